/**
 * What every route plugin of this service receives from `buildApp`, and small helpers they share.
 */
import type { FastifyRequest } from 'fastify'
import type { EventContext } from '../events/publishers.js'
import type { JobModels } from '../models/index.js'
import type { Applications } from '../services/applications.js'
import type { Jobs } from '../services/jobs.js'
import type { Recommendations } from '../services/recommendations.js'

/** Options of the route plugins (contract routes may take more). */
export interface RouteOptions {
  models: JobModels
  jobs: Jobs
  applications: Applications
  recommendations: Recommendations
}

/** The authenticated user (set by `app.authenticate`). @throws Error when a route forgot `authenticate` */
export function userOf(request: FastifyRequest): NonNullable<FastifyRequest['user']> {
  if (!request.user) throw new Error('route is missing the authenticate preHandler')
  return request.user
}

/** The event context of a request: its id becomes the events' `correlationId`. */
export function eventContext(request: FastifyRequest): EventContext {
  return { correlationId: request.id }
}

/** Bearer-token security requirement for OpenAPI. */
export const bearer = [{ bearerAuth: [] }]
