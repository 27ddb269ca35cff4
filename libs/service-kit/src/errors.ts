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
/**
 * The request URI (path and query) is longer than `MAX_URL_BYTES`, or one path segment longer
 * than the router takes (src/client-errors.ts). 414.
 */
export const UriTooLong = createError(
  'KIT_ERR_URI_TOO_LONG',
  'The request URI is longer than %d bytes; send a shorter one (ids, cursors and filters are short)',
  414,
)
/** The request line and headers together are larger than Node's `maxHeaderSize`. 431. */
export const HeadersTooLarge = createError(
  'KIT_ERR_HEADERS_TOO_LARGE',
  'The request headers are larger than %d bytes; send fewer or smaller ones',
  431,
)
/** Not parseable as HTTP/1.1 (the parser's reason is named), or HTTP/1.1 without `Host`. 400. */
export const MalformedRequest = createError(
  'KIT_ERR_MALFORMED_REQUEST',
  'The request is not valid HTTP/1.1 (%s); fix the client',
  400,
)
/** The path is not valid percent-encoding (`%zz`, a lone `%`). 400. */
export const BadUrl = createError(
  'KIT_ERR_BAD_URL',
  'The request path is not valid percent-encoding; escape "%" as %25',
  400,
)
/** The request's headers or body did not arrive within the server's time limit. 408. */
export const RequestTimeout = createError(
  'KIT_ERR_REQUEST_TIMEOUT',
  'The request did not arrive in time; send it again',
  408,
)
/** An `Expect` header other than `100-continue`. 417. */
export const ExpectationFailed = createError(
  'KIT_ERR_EXPECTATION_FAILED',
  'Only "Expect: 100-continue" is supported; drop the Expect header',
  417,
)
/** The process is draining for shutdown; another instance takes new requests. 503, `Retry-After`. */
export const ShuttingDown = createError(
  'KIT_ERR_SHUTTING_DOWN',
  'This instance is shutting down; retry and another one will answer',
  503,
)
