/**
 * JWT at the edge (docs/architecture.md, Gateway). Two hooks around the rate limiter, so that a
 * flood of bad tokens is still counted per IP, and a good token is counted per user:
 *
 * 1. `identify` (onRequest) verifies a bearer token if one is sent and sets `request.user`;
 *    it never rejects (public routes accept requests with a stale token, e.g. `/refresh`);
 * 2. the rate limiter runs (keyed by `request.user.sub` or the IP);
 * 3. `enforce` (onRequest) answers 401 problem+json on protected routes without a valid token,
 *    before the body is read or the upstream is called.
 *
 * The Authorization header is forwarded untouched: services verify again (zero trust).
 * Verification is service-kit's (`app.verifyAccessToken`: ES256 only, iss/aud/exp checked, fast-jwt
 * cache on). WebSocket upgrades may carry the token as `?token=` (`bearerToken`).
 */
import { bearerToken, verifyOrThrow, type AccessClaims } from '@kelmah/service-kit'
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { requestPath } from '../canonical-path.js'

const kAuthError = Symbol('kelmah.gateway.authError')

type WithAuthError = FastifyRequest & { [kAuthError]?: unknown }

/**
 * The two edge-auth hooks.
 *
 * @param app - an instance with `verifyAccessToken` (service-kit `jwtAuth`)
 * @param isPublic - `(method, canonical path) => true` for requests that need no token; called
 *   with `requestPath(request)` (`src/canonical-path.ts`), never the raw URL
 */
export function edgeAuthHooks(
  app: FastifyInstance,
  isPublic: (method: string, path: string) => boolean,
): { identify: onRequestAsyncHookHandler; enforce: onRequestAsyncHookHandler } {
  const identify: onRequestAsyncHookHandler = async (request) => {
    if (isPublic(request.method, requestPath(request))) return
    const token = bearerToken(request)
    if (!token) return
    try {
      request.user = await app.verifyAccessToken(token)
    } catch (err) {
      ;(request as WithAuthError)[kAuthError] = err
    }
  }

  const enforce: onRequestAsyncHookHandler = async (request) => {
    if (request.user || isPublic(request.method, requestPath(request))) return
    const failure = (request as WithAuthError)[kAuthError]
    // Re-use service-kit's mapping of verification failures to 401/503 with the same wording.
    const reason = failure instanceof Error ? failure : new Error('no token')
    await verifyOrThrow(() => Promise.reject<AccessClaims>(reason), bearerToken(request))
  }

  return { identify, enforce }
}
