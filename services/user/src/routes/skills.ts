/** `GET /skills`: autocomplete from the shared catalogue. */
import type { KelmahApp } from '@kelmah/service-kit'
import { SkillsSchema } from '../schemas/skills.js'
import type { RouteOptions } from './context.js'

/** Skills catalogue routes. */
export async function skillsRoutes(app: KelmahApp, opts: RouteOptions): Promise<void> {
  app.get('/skills', { schema: SkillsSchema, onRequest: app.authenticate }, async (request) => {
    return { items: await opts.catalogue.suggest(request.query.q ?? '', request.query.limit ?? 10) }
  })
}
