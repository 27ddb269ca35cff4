/**
 * `buildApp()`: the payment service's Fastify instance — service-kit's shared mechanisms plus
 * escrow funding, the Stripe webhook, disputes, wallets and payouts, the ledger check and the
 * admins' audit log. Never listens (see `server.ts`); tests call it.
 *
 * Route plugins are registered without a prefix: each route spells its full path
 * (`/api/payments/...`, `/api/wallet/...`, `/api/webhooks/stripe`).
 */
import {
  auditRoutes,
  buildService,
  serviceOptions,
  type AppOptions,
  type KelmahApp,
} from '@kelmah/service-kit'
import type { PaymentConfig } from './config.js'
import { registerSubscriptions } from './events/handlers.js'
import { initModels, paymentModels } from './models/index.js'
import { disputeRoutes } from './routes/disputes.js'
import { escrowRoutes } from './routes/escrow.js'
import { ledgerRoutes } from './routes/ledger.js'
import { walletRoutes } from './routes/wallet.js'
import { webhookRoutes } from './routes/webhooks.js'
import { paymentDeps } from './services/deps.js'
import type { StripeGateway } from './services/stripe.js'
import { useCases } from './services/use-cases.js'

/**
 * Options of {@link buildApp}: the configuration plus the overrides every service takes
 * (`AppOptions`), and optionally another Stripe gateway (tests point one at a stopped port).
 */
export type BuildAppOptions = AppOptions & { config: PaymentConfig; stripe?: StripeGateway }

/**
 * Build the payment service: connects MongoDB and Redis, builds every index (the unique ones are
 * commit points), registers every route and (on `ready`, once the bus is up) every subscription.
 *
 * @throws Error when MongoDB or Redis cannot be reached
 */
export async function buildApp(opts: BuildAppOptions): Promise<KelmahApp> {
  const { config } = opts
  const app = await buildService(
    serviceOptions('payment', config, opts, {
      openapi: {
        title: 'Kelmah payment',
        description:
          'Stripe-funded milestone escrow on a double-entry ledger: fund, the Stripe webhook, release, refund, disputes, wallets and payouts.',
      },
    }),
  )
  try {
    const models = paymentModels(app.mongo)
    await initModels(models)
    const cases = useCases(paymentDeps(app, models, config, opts.stripe))
    for (const routes of [escrowRoutes, webhookRoutes, disputeRoutes, walletRoutes, ledgerRoutes]) {
      await app.register(routes, cases)
    }
    // GET /api/payments/admin/audit: the admins' actions here (dispute resolutions), admins only.
    await app.register(auditRoutes, { service: 'payments', log: cases.deps.audit })
    if (!opts.skipSubscriptions) {
      // Subscriptions need a started bus: service-kit starts it in its own onReady hook, added first.
      app.addHook('onReady', async () => {
        await registerSubscriptions(app, { contracts: cases.contracts, settlement: cases.settlement })
      })
    }
    return app
  } catch (err) {
    await app.close()
    throw err
  }
}
