/**
 * What every route plugin receives from `buildApp`, and small helpers they share.
 */
import type { FastifyRequest } from 'fastify'
import type { Accounts, RequestContext } from '../services/accounts.js'
import type { PublicJwk } from '../tokens.js'

/** Options of the route plugins. */
export interface RouteOptions {
  accounts: Accounts
  /** preHandler after `app.authenticate`: the token's session must still be live (401 otherwise). */
  liveSession: (request: FastifyRequest) => Promise<void>
  jwks: { keys: PublicJwk[] }
}

/** The request facts the use cases need. */
export function requestContext(request: FastifyRequest): RequestContext {
  return { correlationId: request.id, userAgent: request.headers['user-agent'], ip: request.ip }
}

/** The authenticated user (set by `app.authenticate`). @throws Error when a route forgot `authenticate` */
export function userOf(request: FastifyRequest): NonNullable<FastifyRequest['user']> {
  if (!request.user) throw new Error('route is missing the authenticate preHandler')
  return request.user
}
