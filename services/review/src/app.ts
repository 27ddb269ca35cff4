/**
 * `buildApp()`: the review service's Fastify instance — service-kit's shared mechanisms plus
 * reviews, reveals, replies, moderation (with the admins' audit log) and rating aggregates, the
 * subscriptions that keep its contract facts, and the sweep that closes expired review windows.
 * Never listens (see `server.ts`); tests call it.
 *
 * Route plugins are registered without a prefix: each route spells its full path (`/api/reviews/...`).
 */
import {
  AuditLog,
  auditRoutes,
  buildService,
  serviceOptions,
  type AppOptions,
  type KelmahApp,
} from '@kelmah/service-kit'
import type { ReviewConfig } from './config.js'
import { registerSubscriptions } from './events/handlers.js'
import { initModels, reviewModels } from './models/index.js'
import { moderationRoutes } from './routes/moderation.js'
import { reviewRoutes } from './routes/reviews.js'
import { reviewStores } from './services/deps.js'
import { useCases, type UseCases } from './services/use-cases.js'

/** Options of {@link buildApp}: the configuration plus the overrides every service takes. */
export type BuildAppOptions = AppOptions & {
  config: ReviewConfig
  /** Do not run the periodic sweep (tests that call `app.reviews.reveals.sweep()` themselves). */
  skipSweep?: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The review service's use cases (tests and the sweep reach them here). */
    reviews: UseCases
  }
}

/**
 * Build the review service: connects MongoDB and Redis, builds every index (the unique ones are
 * commit points), registers every route, and on `ready` (once the bus is up) every subscription
 * and the sweep every `REVIEW_SWEEP_INTERVAL_MS`.
 *
 * @throws Error when MongoDB or Redis cannot be reached
 */
export async function buildApp(opts: BuildAppOptions): Promise<KelmahApp> {
  const { config } = opts
  const app = await buildService(
    serviceOptions('review', config, opts, {
      openapi: {
        title: 'Kelmah review',
        description:
          'Double-blind reviews after a contract, replies, moderation, and the rating aggregates that flow to profiles and ranking.',
      },
    }),
  )
  try {
    const models = reviewModels(app.mongo)
    await initModels(models)
    const cases = useCases(
      {
        models,
        stores: reviewStores(models, (model, o) => app.store(model, o)),
        config,
        now: app.now,
        logger: app.log,
      },
      new AuditLog(app.mongo, { now: app.now }),
    )
    app.decorate('reviews', cases)
    for (const routes of [reviewRoutes, moderationRoutes]) await app.register(routes, cases)
    // GET /api/reviews/admin/audit: the moderators' actions, admins only.
    await app.register(auditRoutes, { service: 'reviews', log: cases.audit })
    if (!opts.skipSubscriptions) {
      // Subscriptions need a started bus: service-kit starts it in its own onReady hook, added first.
      app.addHook('onReady', async () => {
        await registerSubscriptions(app, cases.contracts)
      })
    }
    if (!opts.skipSweep) startSweep(app, cases, config.REVIEW_SWEEP_INTERVAL_MS)
    return app
  } catch (err) {
    await app.close()
    throw err
  }
}

/** Sweep every `intervalMs` from `ready` until `close`; one pass at a time. */
function startSweep(app: KelmahApp, cases: UseCases, intervalMs: number): void {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> | undefined
  const pass = () => {
    running ??= cases.reveals
      .sweep()
      .catch((err: unknown) => app.log.error({ err }, 'review sweep failed; the next one retries'))
      .finally(() => (running = undefined))
  }
  app.addHook('onReady', async () => {
    timer = setInterval(pass, intervalMs)
    timer.unref()
    pass()
  })
  app.addHook('preClose', async () => {
    clearInterval(timer)
    await running
  })
}
