/** `GET /me`. */
import type { KelmahApp } from '@kelmah/service-kit'
import { MeSchema } from '../schemas/me.js'
import { userOf, type RouteOptions } from './context.js'

/** The signed-in user's route. */
export async function meRoutes(app: KelmahApp, opts: RouteOptions): Promise<void> {
  app.get('/me', { schema: MeSchema, preHandler: [app.authenticate, opts.liveSession] }, async (request) => {
    return { user: await opts.accounts.me(userOf(request).sub) }
  })
}
