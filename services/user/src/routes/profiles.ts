/** `GET /:id`: a public profile. */
import type { KelmahApp } from '@kelmah/service-kit'
import { GetProfileSchema } from '../schemas/profiles.js'
import { toPublicProfile } from '../services/views.js'
import type { RouteOptions } from './context.js'

/** Public profile routes (registered last: `/:id` must not shadow `/me`, `/search`, `/skills`). */
export async function profileRoutes(app: KelmahApp, opts: RouteOptions): Promise<void> {
  app.get('/:id', { schema: GetProfileSchema, onRequest: app.authenticate }, async (request) => {
    return toPublicProfile(await opts.profiles.getPublic(request.params.id))
  })
}
