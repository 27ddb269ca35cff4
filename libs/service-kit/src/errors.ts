/**
 * service-kit's error catalogue (docs/conventions.md, Errors). Codes are prefixed `KIT_ERR_`; every
 * service keeps its own catalogue in `src/errors.ts` built the same way with `@fastify/error`.
 */
import createError from '@fastify/error'

/** No bearer token, or one that is malformed, expired, forged or for someone else. 401. */
export const Unauthorized = createError('KIT_ERR_UNAUTHORIZED', 'Authentication required: %s', 401)
/** Authenticated, but this role or account state may not do this. 403. */
export const Forbidden = createError('KIT_ERR_FORBIDDEN', '%s', 403)
/** Unknown id, or one the caller may not see. 404. */
export const NotFound = createError('KIT_ERR_NOT_FOUND', '%s', 404)
/** The change conflicts with the current state (illegal transition, lost race, duplicate). 409. */
export const Conflict = createError('KIT_ERR_CONFLICT', '%s', 409)
/** A dependency (database, broker, peer service) is not available. 503. */
export const Unavailable = createError('KIT_ERR_UNAVAILABLE', '%s', 503)
/** The request is malformed in a way the route schema cannot express (a bad cursor). 400. */
export const BadRequest = createError('KIT_ERR_BAD_REQUEST', '%s', 400)
