/**
 * `buildApp()`: the user service's Fastify instance — service-kit's shared mechanisms plus the
 * profile, portfolio, skills and search routes under `/api/users`, and the event consumers.
 * Never listens (see `server.ts`); tests call it directly.
 */
import { buildService, serviceOptions, type AppOptions, type KelmahApp } from '@kelmah/service-kit'
import type { UserConfig } from './config.js'
import { registerHandlers } from './events/handlers.js'
import { profileModel, type ProfileDoc } from './models/profile.js'
import { skillModel } from './models/skill.js'
import type { RouteOptions } from './routes/context.js'
import { meRoutes } from './routes/me.js'
import { portfolioRoutes } from './routes/portfolio.js'
import { profileRoutes } from './routes/profiles.js'
import { searchRoutes } from './routes/search.js'
import { skillsRoutes } from './routes/skills.js'
import { Portfolio } from './services/portfolio.js'
import { Profiles, profileStoreOptions } from './services/profiles.js'
import { WorkerSearch } from './services/search.js'
import { SkillsCatalogue } from './services/skills-catalogue.js'

/** Where the user routes live. */
export const API_PREFIX = '/api/users'

/** Options of {@link buildApp}: the configuration, the shared test overrides, and the user service's own. */
export type BuildAppOptions = AppOptions & {
  config: UserConfig
  /** Overrides `config.SEARCH_CANDIDATE_CAP`. */
  searchCandidateCap?: number
}

/**
 * Build the user service: connects MongoDB and Redis, ensures indexes, seeds the skills
 * catalogue, registers every route; the bus, the consumers and the outbox relay start on `ready()`.
 *
 * @throws Error when MongoDB or Redis cannot be reached
 */
export async function buildApp(opts: BuildAppOptions): Promise<KelmahApp> {
  const { config } = opts
  const app = await buildService(
    serviceOptions('user', config, opts, {
      openapi: {
        title: 'Kelmah users',
        description: 'Worker and hirer profiles, portfolio, skills and search.',
      },
    }),
  )
  try {
    const Profile = profileModel(app.mongo)
    const Skill = skillModel(app.mongo)
    await Promise.all([Profile.init(), Skill.init()])
    const store = app.store<ProfileDoc>(Profile, profileStoreOptions)

    const catalogue = new SkillsCatalogue(Skill, app.log)
    await catalogue.seed()
    const profiles = new Profiles({ store, Profile, catalogue, now: app.now, log: app.log })
    const portfolio = new Portfolio({ profiles, now: app.now })
    const search = new WorkerSearch(Profile, opts.searchCandidateCap ?? config.SEARCH_CANDIDATE_CAP)

    if (!opts.skipSubscriptions) {
      // Registered after buildService's own onReady hook, so the bus has started.
      app.addHook('onReady', async () => {
        await registerHandlers(app, { profiles })
      })
    }

    const routeOptions: RouteOptions = { profiles, portfolio, catalogue, search }
    // Every route plugin is `authenticated` (no public routes); `/:id` comes last.
    for (const routes of [meRoutes, portfolioRoutes, skillsRoutes, searchRoutes, profileRoutes]) {
      await app.register(routes, { ...routeOptions, prefix: API_PREFIX })
    }
    return app
  } catch (err) {
    await app.close()
    throw err
  }
}
