/** Schemas of `GET /api/users/:id`. */
import { bearer, PublicProfileSchema, tags, UserIdParams } from './common.js'

/** Route schema of `GET /:id`. */
export const GetProfileSchema = {
  summary:
    "A user's public profile (404 for unknown or deactivated users, and for suspended ones except to the owner and admins)",
  description:
    'Any signed-in user may read an active profile. A deactivated account answers 404 USER_ERR_PROFILE_NOT_FOUND to everyone. ' +
    'A suspended account (an admin suspended it in auth: UserSuspended, until UserReinstated) answers the same 404 to everyone but ' +
    'its owner and admins, who get the public view as usual — so existence is not leaked and links to it lead nowhere until it is reinstated.',
  tags,
  security: bearer,
  params: UserIdParams,
  response: { 200: PublicProfileSchema },
}
