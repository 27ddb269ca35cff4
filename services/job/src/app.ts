/**
 * `buildApp()`: the job service's Fastify instance — service-kit's shared mechanisms plus jobs,
 * applications, contracts with milestones, and recommendations. Never listens (see `server.ts`);
 * tests call it.
 *
 * Route plugins are registered WITHOUT a prefix: each route spells its full path
 * (`/api/jobs/...`, `/api/applications/...`, `/api/contracts/...`), so plugins of different
 * resources can share a path space (`/api/applications/:id/accept` lives with the contracts).
 */
import { buildService, serviceOptions, type AppOptions, type KelmahApp } from '@kelmah/service-kit'
import type { JobConfig } from './config.js'
import { registerSubscriptions } from './events/handlers.js'
import { jobModels } from './models/index.js'
// Registers the read model's write hooks on JobSchema before jobModels() compiles it.
import { attachJobIndex } from './read-model/hooks.js'
import { JobIndex, modelPrefix } from './read-model/job-index.js'
import { applicationRoutes } from './routes/applications.js'
import { contractRoutes } from './routes/contracts.js'
import { invitationRoutes } from './routes/invitations.js'
import { jobRoutes } from './routes/jobs.js'
import { recommendationRoutes } from './routes/recommendations.js'
import { serviceDeps } from './services/deps.js'
import { useCases } from './services/use-cases.js'

/**
 * Options of {@link buildApp}: the configuration plus the overrides every service takes
 * (`AppOptions`: database, exchange, service name — consumer queues are `<name>.worker-profiles`,
 * `<name>.payments`, `<name>.hiring` —, keys, clock, `skipSubscriptions`).
 */
export type BuildAppOptions = AppOptions & {
  config: JobConfig
  /** Overrides `REDIS_KEY_PREFIX` (benches, tests). */
  redisKeyPrefix?: string
}

/**
 * Build the job service: connects MongoDB and Redis, ensures indexes, registers every route and
 * (on `ready`, once the bus is up) every event subscription. The outbox relay starts on `ready()`.
 *
 * @throws Error when MongoDB or Redis cannot be reached
 */
export async function buildApp(opts: BuildAppOptions): Promise<KelmahApp> {
  const { config } = opts
  const app = await buildService(
    serviceOptions('job', config, opts, {
      openapi: {
        title: 'Kelmah job',
        description: 'Jobs, applications (proposals), contracts with milestones, recommendations.',
      },
    }),
  )
  try {
    const models = jobModels(app.mongo)
    await Promise.all([
      models.Job.init(),
      models.Application.init(),
      models.Contract.init(),
      models.JobInvitation.init(),
      models.WorkerProfile.init(),
      models.UserSuspension.init(),
    ])
    let jobIndex: JobIndex | undefined
    if (config.JOB_READ_MODEL === 'on') {
      jobIndex = new JobIndex({
        redis: app.redis,
        prefix: modelPrefix(opts.redisKeyPrefix ?? config.REDIS_KEY_PREFIX, app.mongo.name),
        Job: models.Job,
        log: app.log,
      })
      attachJobIndex(app.mongo, jobIndex)
      const index = jobIndex
      // Built in the background when missing (one instance, by lock); lists use the database meanwhile.
      app.addHook('onReady', async () => void index.ensureBuilt())
      app.addHook('onClose', async () => index.settled())
    }
    const deps = serviceDeps(app, models, config.RANKING_CANDIDATE_CAP)
    const cases = useCases(deps)
    for (const routes of [
      jobRoutes,
      applicationRoutes,
      invitationRoutes,
      recommendationRoutes,
      contractRoutes,
    ]) {
      await app.register(routes, cases)
    }

    if (!opts.skipSubscriptions) {
      // Subscriptions need a started bus: service-kit starts it in its own onReady hook, which
      // was added before this one, so it runs first.
      app.addHook('onReady', async () => {
        await registerSubscriptions(app, {
          models,
          hiring: cases.hiring,
          paymentFacts: cases.paymentFacts,
          now: app.now,
          ...(jobIndex ? { jobIndex } : {}),
        })
      })
    }
    return app
  } catch (err) {
    await app.close()
    throw err
  }
}
