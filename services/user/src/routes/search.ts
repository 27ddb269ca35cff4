/** `GET /search`: worker discovery. */
import type { RoutePlugin } from '@kelmah/service-kit'
import { SearchSchema } from '../schemas/search.js'
import type { RouteOptions } from './context.js'

/** Search routes. Register wrapped in `authenticated`. */
export const searchRoutes: RoutePlugin<RouteOptions> = async (app, opts) => {
  app.get('/search', { schema: SearchSchema }, async (request) => {
    return opts.search.search(request.query)
  })
}
