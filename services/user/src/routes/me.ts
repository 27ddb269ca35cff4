/** `GET /me`, `PATCH /me`. */
import { callerOf, eventContextOf, authenticated } from '@kelmah/service-kit'
import { GetMeSchema, PatchMeSchema } from '../schemas/me.js'
import { toOwnProfile } from '../services/views.js'
import type { RouteOptions } from './context.js'

/** The caller's own profile. Every route needs a signed-in user (`authenticated`). */
export const meRoutes = authenticated<RouteOptions>((app, opts) => {
  app.get('/me', { schema: GetMeSchema }, async (request) => {
    return toOwnProfile(await opts.profiles.ensure(callerOf(request), eventContextOf(request)))
  })

  app.patch('/me', { schema: PatchMeSchema }, async (request) => {
    return toOwnProfile(await opts.profiles.update(callerOf(request), request.body, eventContextOf(request)))
  })
  return Promise.resolve()
})
