/**
 * What every route plugin of this service receives from `buildApp` (the use cases), and the
 * request helpers they share. Every plugin is registered `authenticated(...)` (a 401 before
 * validation); role and verified-email checks stay per route.
 */
import { callerOf, eventContextOf, type RoutePlugin } from '@kelmah/service-kit'
import type { UseCases } from '../services/use-cases.js'

export { callerOf, eventContextOf }

/** Options of every route plugin. */
export type RouteOptions = UseCases

/** A route plugin of this service. */
export type JobRoutePlugin = RoutePlugin<RouteOptions>

/** Route options for an optional body: an empty (or absent) body validates as `{}`. */
export const optionalBody = {
  preValidation: (request: { body: unknown }, _reply: unknown, done: () => void) => {
    request.body ??= {}
    done()
  },
}
