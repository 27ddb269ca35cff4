/**
 * What every route plugin receives from `buildApp`, and small helpers they share.
 */
import type { FastifyRequest } from 'fastify'
import type { EventContext } from '../events/publishers.js'
import type { Caller, Profiles } from '../services/profiles.js'
import type { WorkerSearch } from '../services/search.js'
import type { SkillsCatalogue } from '../services/skills-catalogue.js'

/** Options of the route plugins. */
export interface RouteOptions {
  profiles: Profiles
  catalogue: SkillsCatalogue
  search: WorkerSearch
}

/** The request id becomes the `correlationId` of events the request causes. */
export function eventContext(request: FastifyRequest): EventContext {
  return { correlationId: request.id }
}

/** The authenticated caller. @throws Error when a route forgot `authenticate` */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.user) throw new Error('route is missing the authenticate hook')
  return { sub: request.user.sub, role: request.user.role }
}
