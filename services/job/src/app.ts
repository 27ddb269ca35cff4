/**
 * `buildApp()`: the job service's Fastify instance — service-kit's shared mechanisms plus jobs,
 * applications, recommendations (and contracts). Never listens (see `server.ts`); tests call it.
 *
 * Route plugins are registered WITHOUT a prefix: each route spells its full path
 * (`/api/jobs/...`, `/api/applications/...`, `/api/contracts/...`), so plugins of different
 * resources can share a path space (`/api/applications/:id/accept` lives with the contracts).
 */
import { buildService, type KelmahApp } from '@kelmah/service-kit'
import type { JsonWebKey } from 'node:crypto'
import type { JobConfig } from './config.js'
import { registerEventHandlers } from './events/handlers.js'
import { jobModels } from './models/index.js'
import { applicationRoutes } from './routes/applications.js'
import type { RouteOptions } from './routes/context.js'
import { jobRoutes } from './routes/jobs.js'
import { recommendationRoutes } from './routes/recommendations.js'
import { Applications } from './services/applications.js'
import { Jobs } from './services/jobs.js'
import { Recommendations } from './services/recommendations.js'
// ── contracts: imports (contractRoutes, registerPaymentHandlers, Contract model) go here ──
import { registerHiringHandlers } from './events/hiring-handlers.js'
import { registerPaymentHandlers } from './events/payment-handlers.js'
import { contractModel } from './models/contract.js'
import { contractRoutes } from './routes/contracts.js'
import { Contracts } from './services/contracts.js'

/** Options of {@link buildApp}: the configuration plus overrides for tests. */
export interface BuildAppOptions {
  config: JobConfig
  /** Overrides `config.MONGO_URL` (tests use a unique database). */
  mongoUrl?: string
  /** Exchange override (tests use a unique one); default `kelmah.events`. */
  busExchange?: string
  /** pino level, or `false` for no logs; default `config.LOG_LEVEL`. */
  logLevel?: string | false
  /** A fixed JWKS (tests mint tokens with `tokenKit()`); default: fetch `config.JWT_JWKS_URL`. */
  jwks?: { keys: Array<JsonWebKey & { kid?: string }> }
  /** Milliseconds between outbox sweeps (default 1000). */
  outboxIntervalMs?: number
  /** Clock (tests move time); default `() => new Date()`. */
  now?: () => Date
  /** Do not subscribe to events (tests that call handlers directly). Default false. */
  skipSubscriptions?: boolean
  /**
   * Service name for logs and consumer queues (`<name>.payments`, `<name>.hiring`, …); default
   * `job`. Tests use a unique one so parallel test apps never share (and steal from) a queue.
   */
  serviceName?: string
}

/**
 * Build the job service: connects MongoDB and Redis, ensures indexes, registers every route and
 * (on `ready`, once the bus is up) every event subscription. The outbox relay starts on `ready()`.
 *
 * @throws Error when MongoDB or Redis cannot be reached
 */
export async function buildApp(opts: BuildAppOptions): Promise<KelmahApp> {
  const { config } = opts
  const app = await buildService({
    name: opts.serviceName ?? 'job',
    logLevel: opts.logLevel ?? config.LOG_LEVEL,
    mongoUrl: opts.mongoUrl ?? config.MONGO_URL,
    redisUrl: config.REDIS_URL,
    amqpUrl: config.AMQP_URL,
    ...(opts.busExchange ? { busExchange: opts.busExchange } : {}),
    ...(opts.outboxIntervalMs ? { outboxIntervalMs: opts.outboxIntervalMs } : {}),
    // Zero trust: tokens are verified here again, with the auth service's public keys.
    auth: {
      ...(opts.jwks ? { jwks: opts.jwks } : { jwksUrl: config.JWT_JWKS_URL }),
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
    },
    openapi: {
      title: 'Kelmah job',
      description: 'Jobs, applications (proposals), contracts with milestones, recommendations.',
    },
  })
  try {
    const now = opts.now ?? (() => new Date())
    const models = jobModels(app.mongo)
    await Promise.all(Object.values(models).map((m) => m.init()))
    app.useOutbox(models.Job, models.Application)
    // ── contracts: create/init the Contract model and app.useOutbox(Contract) here ──
    const Contract = contractModel(app.mongo)
    await Contract.init()
    app.useOutbox(Contract)

    const deps = {
      ...models,
      kick: () => app.kickOutbox(),
      now,
      candidateCap: config.RANKING_CANDIDATE_CAP,
    }
    const routeOptions: RouteOptions = {
      models,
      jobs: new Jobs(deps),
      applications: new Applications(deps),
      recommendations: new Recommendations(deps),
    }
    for (const routes of [jobRoutes, applicationRoutes, recommendationRoutes]) {
      await app.register(routes as never, routeOptions)
    }
    // ── contracts: register contractRoutes here (no prefix; it owns POST /api/applications/:id/accept) ──
    const contracts = new Contracts({
      Job: models.Job,
      Application: models.Application,
      Contract,
      kick: deps.kick,
      now,
      log: app.log,
    })
    await app.register(contractRoutes as never, { contracts })

    if (!opts.skipSubscriptions) {
      // Subscriptions need a started bus: service-kit starts it in its own onReady hook, which
      // was added before this one, so it runs first.
      app.addHook('onReady', async () => {
        await registerEventHandlers(app, models)
        // ── contracts: await registerPaymentHandlers(app, …) here ──
        await registerPaymentHandlers(app, contracts)
        await registerHiringHandlers(app, contracts)
      })
    }
    return app
  } catch (err) {
    await app.close()
    throw err
  }
}
