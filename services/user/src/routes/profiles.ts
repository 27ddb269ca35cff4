/** `GET /:id`: a public profile. */
import type { RoutePlugin } from '@kelmah/service-kit'
import { GetProfileSchema } from '../schemas/profiles.js'
import { toPublicProfile } from '../services/views.js'
import type { RouteOptions } from './context.js'

/**
 * Public profile routes (registered last: `/:id` must not shadow `/me`, `/search`, `/skills`).
 * "Public" means any signed-in user may read them: register wrapped in `authenticated`.
 */
export const profileRoutes: RoutePlugin<RouteOptions> = async (app, opts) => {
  app.get('/:id', { schema: GetProfileSchema }, async (request) => {
    return toPublicProfile(await opts.profiles.getPublic(request.params.id))
  })
}
