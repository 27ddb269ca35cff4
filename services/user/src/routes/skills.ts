/** `GET /skills`: autocomplete from the shared catalogue. */
import { authenticated } from '@kelmah/service-kit'
import { SkillsSchema } from '../schemas/skills.js'
import type { RouteOptions } from './context.js'

/** Skills catalogue routes. Every route needs a signed-in user (`authenticated`). */
export const skillsRoutes = authenticated<RouteOptions>((app, opts) => {
  app.get('/skills', { schema: SkillsSchema }, async (request) => {
    return { items: await opts.catalogue.suggest(request.query.q ?? '', request.query.limit ?? 10) }
  })
  return Promise.resolve()
})
