/** Dispute routes (being written). */
import { authenticated } from '@kelmah/service-kit'
import type { PaymentRoutePlugin } from './context.js'

/** The dispute routes. */
export const disputeRoutes: PaymentRoutePlugin = authenticated(async () => {})
