/** Schemas of `GET /api/users/:id`. */
import { bearer, PublicProfileSchema, tags, UserIdParams } from './common.js'

/** Route schema of `GET /:id`. */
export const GetProfileSchema = {
  summary: "A user's public profile (404 for unknown or deactivated users)",
  tags,
  security: bearer,
  params: UserIdParams,
  response: { 200: PublicProfileSchema },
}
