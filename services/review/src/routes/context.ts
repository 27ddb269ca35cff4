/**
 * What every route plugin of this service receives from `buildApp` (the use cases), and the
 * request helpers they share.
 */
import { callerOf, eventContextOf, type RoutePlugin } from '@kelmah/service-kit'
import type { UseCases } from '../services/use-cases.js'

export { callerOf, eventContextOf }

/** A route plugin of this service. */
export type ReviewRoutePlugin = RoutePlugin<UseCases>
