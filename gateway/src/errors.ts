/**
 * The gateway's error catalogue (docs/conventions.md, Errors). Codes are prefixed `GATEWAY_ERR_`;
 * service-kit's shared handler renders them as RFC 9457 problem details. Token failures use
 * service-kit's `KIT_ERR_UNAUTHORIZED`, so a 401 looks the same from the gateway and from a
 * service.
 */
import createError from '@fastify/error'

/** Too many requests from one user or IP in the window. 429, with `Retry-After`. */
export const RateLimited = createError('GATEWAY_ERR_RATE_LIMITED', 'Too many requests; retry in %s', 429)
/**
 * The request path is spelled in a way routers disagree on (an encoded slash, backslash or dot
 * segment, NUL, `;`, `#`, a `..` that leaves its prefix, …): refused before any decision is made
 * on it (`src/canonical-path.ts`). 400.
 */
export const AmbiguousPath = createError(
  'GATEWAY_ERR_AMBIGUOUS_PATH',
  'The request path is refused (%s); send the plain path',
  400,
)
/** The request body is larger than `BODY_LIMIT_BYTES`. 413. */
export const BodyTooLarge = createError(
  'GATEWAY_ERR_BODY_TOO_LARGE',
  'The request body is larger than %d bytes; send less',
  413,
)
/** The upstream refused the connection or cannot be resolved. 503. */
export const UpstreamUnavailable = createError(
  'GATEWAY_ERR_UPSTREAM_UNAVAILABLE',
  'The %s service is not reachable; try again shortly',
  503,
)
/** The upstream did not answer within `UPSTREAM_TIMEOUT_MS`. 504. */
export const UpstreamTimeout = createError(
  'GATEWAY_ERR_UPSTREAM_TIMEOUT',
  'The %s service did not answer within %d ms; try again later',
  504,
)
/** The upstream broke the connection or answered with something that is not HTTP. 502. */
export const BadGateway = createError(
  'GATEWAY_ERR_BAD_GATEWAY',
  'The %s service failed to answer properly; try again shortly',
  502,
)
