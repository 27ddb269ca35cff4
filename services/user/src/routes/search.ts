/** `GET /search`: worker discovery. */
import { authenticated } from '@kelmah/service-kit'
import { SearchSchema } from '../schemas/search.js'
import type { RouteOptions } from './context.js'

/** Search routes. Every route needs a signed-in user (`authenticated`). */
export const searchRoutes = authenticated<RouteOptions>((app, opts) => {
  app.get('/search', { schema: SearchSchema }, async (request) => {
    return opts.search.search(request.query)
  })
  return Promise.resolve()
})
