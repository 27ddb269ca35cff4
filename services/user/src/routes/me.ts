/** `GET /me`, `PATCH /me`. */
import type { KelmahApp } from '@kelmah/service-kit'
import { GetMeSchema, PatchMeSchema } from '../schemas/me.js'
import { toOwnProfile } from '../services/views.js'
import { callerOf, eventContext, type RouteOptions } from './context.js'

/** The caller's own profile. */
export async function meRoutes(app: KelmahApp, opts: RouteOptions): Promise<void> {
  app.get('/me', { schema: GetMeSchema, onRequest: app.authenticate }, async (request) => {
    return toOwnProfile(await opts.profiles.ensure(callerOf(request), eventContext(request)))
  })

  app.patch('/me', { schema: PatchMeSchema, onRequest: app.authenticate }, async (request) => {
    return toOwnProfile(await opts.profiles.update(callerOf(request), request.body, eventContext(request)))
  })
}
