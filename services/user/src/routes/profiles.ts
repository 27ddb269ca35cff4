/** `GET /:id`: a public profile (a suspended one only for its owner and admins). */
import { authenticated, callerOf } from '@kelmah/service-kit'
import { GetProfileSchema } from '../schemas/profiles.js'
import { toPublicProfile } from '../services/views.js'
import type { RouteOptions } from './context.js'

/**
 * Public profile routes (registered last: `/:id` must not shadow `/me`, `/search`, `/skills`).
 * "Public" means any signed-in user may read them: hence `authenticated`.
 */
export const profileRoutes = authenticated<RouteOptions>((app, opts) => {
  app.get('/:id', { schema: GetProfileSchema }, async (request) => {
    return toPublicProfile(await opts.profiles.getPublic(request.params.id, callerOf(request)))
  })
  return Promise.resolve()
})
