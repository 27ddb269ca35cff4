/** Wallet routes (being written). */
import { authenticated } from '@kelmah/service-kit'
import type { PaymentRoutePlugin } from './context.js'

/** The wallet routes. */
export const walletRoutes: PaymentRoutePlugin = authenticated(async () => {})
