/**
 * What every route plugin receives from `buildApp`, and the request facts the use cases need.
 */
import { eventContextOf } from '@kelmah/service-kit'
import type { FastifyRequest } from 'fastify'
import type { Accounts } from '../services/accounts.js'
import type { RequestContext } from '../services/users.js'
import type { PublicJwk } from '../tokens.js'

/** Options of the route plugins (a type, so `RoutePlugin<RouteOptions>` accepts it). */
export type RouteOptions = {
  accounts: Accounts
  /**
   * preHandler of bearer routes, after the `authenticated` plugin's token check: the token's
   * session must still be live (401 `AUTH_ERR_SESSION_ENDED` otherwise).
   */
  liveSession: (request: FastifyRequest) => Promise<void>
  jwks: { keys: PublicJwk[] }
}

/** The request facts the use cases need: the event context (request id) and session meta. */
export function requestContext(request: FastifyRequest): RequestContext {
  return { ...eventContextOf(request), userAgent: request.headers['user-agent'], ip: request.ip }
}
