/** `GET /search`: worker discovery. */
import type { KelmahApp } from '@kelmah/service-kit'
import { SearchSchema } from '../schemas/search.js'
import type { RouteOptions } from './context.js'

/** Search routes. */
export async function searchRoutes(app: KelmahApp, opts: RouteOptions): Promise<void> {
  app.get('/search', { schema: SearchSchema, onRequest: app.authenticate }, async (request) => {
    return opts.search.search(request.query)
  })
}
