/**
 * `buildApp()`: the user service's Fastify instance — service-kit's shared mechanisms plus the
 * profile, portfolio, skills and search routes under `/api/users`, and the event consumers.
 * Never listens (see `server.ts`); tests call it directly.
 */
import { buildService, type KelmahApp } from '@kelmah/service-kit'
import type { FastifyInstance } from 'fastify'
import type { UserConfig } from './config.js'
import { registerHandlers } from './events/handlers.js'
import { profileModel } from './models/profile.js'
import { skillModel } from './models/skill.js'
import type { RouteOptions } from './routes/context.js'
import { meRoutes } from './routes/me.js'
import { portfolioRoutes } from './routes/portfolio.js'
import { profileRoutes } from './routes/profiles.js'
import { searchRoutes } from './routes/search.js'
import { skillsRoutes } from './routes/skills.js'
import { Profiles } from './services/profiles.js'
import { WorkerSearch } from './services/search.js'
import { SkillsCatalogue } from './services/skills-catalogue.js'

/** Where the user routes live. */
export const API_PREFIX = '/api/users'

/** Options of {@link buildApp}: the configuration plus overrides for tests. */
export interface BuildAppOptions {
  config: UserConfig
  /** Overrides `config.MONGO_URL` (tests use a unique database). */
  mongoUrl?: string
  /** Exchange override (tests use a unique one); default `kelmah.events`. */
  busExchange?: string
  /**
   * Service name for logs and consumer queues (`<name>.profiles`); default `user`. Tests use a
   * unique one so parallel test apps never share a queue.
   */
  serviceName?: string
  /** pino level, or `false` for no logs; default `config.LOG_LEVEL`. */
  logLevel?: string | false
  /** Static JWKS instead of `config.JWT_JWKS_URL` (tests mint their own tokens). */
  jwks?: { keys: Array<Record<string, unknown>> }
  /** Milliseconds between outbox sweeps (default 1000). */
  outboxIntervalMs?: number
  /** Overrides `config.SEARCH_CANDIDATE_CAP`. */
  searchCandidateCap?: number
  /** Clock, ms since the epoch; default `Date.now`. */
  now?: () => number
}

/**
 * Build the user service: connects MongoDB and Redis, ensures indexes, seeds the skills
 * catalogue, registers every route; the bus, the consumers and the outbox relay start on `ready()`.
 *
 * @throws Error when MongoDB or Redis cannot be reached
 */
export async function buildApp(opts: BuildAppOptions): Promise<KelmahApp> {
  const { config } = opts
  const app = await buildService({
    name: opts.serviceName ?? 'user',
    logLevel: opts.logLevel ?? config.LOG_LEVEL,
    mongoUrl: opts.mongoUrl ?? config.MONGO_URL,
    redisUrl: config.REDIS_URL,
    amqpUrl: config.AMQP_URL,
    ...(opts.busExchange ? { busExchange: opts.busExchange } : {}),
    ...(opts.outboxIntervalMs ? { outboxIntervalMs: opts.outboxIntervalMs } : {}),
    auth: {
      ...(opts.jwks ? { jwks: opts.jwks as never } : { jwksUrl: config.JWT_JWKS_URL }),
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
    },
    openapi: {
      title: 'Kelmah users',
      description: 'Worker and hirer profiles, portfolio, skills and search.',
    },
  })
  try {
    const now = opts.now ?? Date.now
    const Profile = profileModel(app.mongo)
    const Skill = skillModel(app.mongo)
    await Promise.all([Profile.init(), Skill.init()])
    app.useOutbox(Profile)

    const catalogue = new SkillsCatalogue(Skill, app.log)
    await catalogue.seed()
    const profiles = new Profiles({
      Profile,
      catalogue,
      kickOutbox: () => app.kickOutbox(),
      now,
      log: app.log,
    })
    const search = new WorkerSearch(Profile, opts.searchCandidateCap ?? config.SEARCH_CANDIDATE_CAP)

    // Registered after buildService's own onReady hook, so the bus has started.
    app.addHook('onReady', async () => {
      await registerHandlers(app, { profiles })
    })

    const routeOptions: RouteOptions = { profiles, catalogue, search }
    await app.register(
      async (scope: FastifyInstance) => {
        for (const routes of [meRoutes, portfolioRoutes, skillsRoutes, searchRoutes, profileRoutes]) {
          await scope.register(routes as never, routeOptions)
        }
      },
      { prefix: API_PREFIX },
    )
    return app
  } catch (err) {
    await app.close()
    throw err
  }
}
