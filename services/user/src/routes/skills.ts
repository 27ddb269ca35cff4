/** `GET /skills`: autocomplete from the shared catalogue. */
import type { RoutePlugin } from '@kelmah/service-kit'
import { SkillsSchema } from '../schemas/skills.js'
import type { RouteOptions } from './context.js'

/** Skills catalogue routes. Register wrapped in `authenticated`. */
export const skillsRoutes: RoutePlugin<RouteOptions> = async (app, opts) => {
  app.get('/skills', { schema: SkillsSchema }, async (request) => {
    return { items: await opts.catalogue.suggest(request.query.q ?? '', request.query.limit ?? 10) }
  })
}
