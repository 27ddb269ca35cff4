/**
 * JWT at the edge (docs/architecture.md, Gateway). Two hooks around the rate limiter, so that a
 * flood of bad tokens is still counted per IP, and a good token is counted per user:
 *
 * 1. `identify` (onRequest) verifies a bearer token if one is sent and sets `request.user`;
 *    it never rejects (public routes accept requests with a stale token, e.g. `/refresh`);
 * 2. the rate limiter runs (keyed by `request.user.sub` or the IP);
 * 3. `enforce` (onRequest) answers 401 problem+json on protected routes without a valid token,
 *    or with a token issued before the user's revocation mark (logout-all, password change or
 *    reset, suspension — read by the rate limiter in the same Redis round trip, see
 *    `rate-limit.ts`), and 403 problem+json on admin routes ({@link isAdminRoute}) for every role
 *    but `admin` — all before the body is read or the upstream is called. WebSocket upgrades pass
 *    the same hooks, so a revoked token cannot open a socket either.
 *
 * The Authorization header is forwarded untouched: services verify again (zero trust), the
 * revocation mark and the admin role included. Verification is service-kit's
 * (`app.verifyTokenSignature`: ES256 only, iss/aud/exp checked, fast-jwt cache on; the mark is
 * not read there but with the rate limit). WebSocket upgrades may carry the token as `?token=`
 * (`bearerToken`).
 */
import {
  bearerToken,
  Forbidden,
  isRevoked,
  TokenVerificationError,
  verifyOrThrow,
  type AccessClaims,
} from '@kelmah/service-kit'
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { requestPath } from '../canonical-path.js'
import { revocationMarkOf } from './rate-limit.js'

/**
 * Admin-only routes, matched on the canonical path (`src/canonical-path.ts`): every
 * `/api/<service>/admin/...` path (each service's admin surface: user search, suspension, audit
 * logs, report queues — issue 14), and the payment service's older admin routes, which predate
 * that convention (services/payment/src/routes/disputes.ts and ledger.ts), and review's moderation
routes. The services check
 * the role again (`requireRole('admin')`); this refuses everyone else before proxying.
 */
const ADMIN_ROUTES: ReadonlyArray<{ method: string; path: RegExp }> = [
  { method: '*', path: /^\/api\/[^/]+\/admin(?:\/|$)/ },
  { method: 'GET', path: /^\/api\/payments\/disputes$/ },
  { method: 'POST', path: /^\/api\/payments\/disputes\/[^/]+\/resolve$/ },
  { method: 'GET', path: /^\/api\/payments\/ledger\/check$/ },
  // services/review/src/routes/moderation.ts (the report queue and hiding reviews).
  { method: 'GET', path: /^\/api\/reviews\/reports$/ },
  { method: 'POST', path: /^\/api\/reviews\/reports\/[^/]+\/(?:resolve|dismiss)$/ },
  { method: 'POST', path: /^\/api\/reviews\/[^/]+\/(?:hide|restore)$/ },
]

/** True when `method path` (canonical) is an admin-only route. HEAD counts as GET. */
export function isAdminRoute(method: string, path: string): boolean {
  const m = method === 'HEAD' ? 'GET' : method
  return ADMIN_ROUTES.some((r) => (r.method === '*' || r.method === m) && r.path.test(path))
}

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
      request.user = await app.verifyTokenSignature(token)
    } catch (err) {
      ;(request as WithAuthError)[kAuthError] = err
    }
  }

  const enforce: onRequestAsyncHookHandler = async (request) => {
    const path = requestPath(request)
    const user = request.user
    if (user) {
      const mark = revocationMarkOf(request)
      if (mark !== undefined && isRevoked(user, mark)) {
        request.user = undefined
        await verifyOrThrow(
          () => Promise.reject<AccessClaims>(new TokenVerificationError('revoked', 'the token was revoked')),
          bearerToken(request),
        )
      }
      if (user.role !== 'admin' && isAdminRoute(request.method, path))
        throw new Forbidden('only admin accounts may do this')
      return
    }
    if (isPublic(request.method, path)) return
    const failure = (request as WithAuthError)[kAuthError]
    // Re-use service-kit's mapping of verification failures to 401/503 with the same wording.
    const reason = failure instanceof Error ? failure : new Error('no token')
    await verifyOrThrow(() => Promise.reject<AccessClaims>(reason), bearerToken(request))
  }

  return { identify, enforce }
}
