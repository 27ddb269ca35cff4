/** `GET /me`. Bearer, live session. */
import { authenticated, callerOf, type RoutePlugin } from '@kelmah/service-kit'
import { MeSchema } from '../schemas/me.js'
import type { RouteOptions } from './context.js'

/** The signed-in user's route. */
export const meRoutes: RoutePlugin<RouteOptions> = authenticated<RouteOptions>((app, opts) => {
  app.get('/me', { schema: MeSchema, preHandler: opts.liveSession }, async (request) => {
    return { user: await opts.accounts.me(callerOf(request).sub) }
  })
  return Promise.resolve()
})
