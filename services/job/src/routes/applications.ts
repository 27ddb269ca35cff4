/**
 * Applications: `POST|GET /api/jobs/:id/applications`, `GET /api/applications/mine`,
 * `GET /api/applications/:id`, `POST /api/applications/:id/{shortlist,reject,withdraw}`.
 * (`POST /api/applications/:id/accept` belongs to the contract routes.)
 */
import { requireRole, requireVerifiedEmail, type KelmahApp } from '@kelmah/service-kit'
import {
  ApplySchema,
  GetApplicationSchema,
  JobApplicationsSchema,
  MyApplicationsSchema,
  RejectSchema,
  ShortlistSchema,
  WithdrawSchema,
} from '../schemas/applications.js'
import { toApplicationView } from '../services/views.js'
import { eventContext, userOf, type RouteOptions } from './context.js'

/** Application routes (full paths; registered without a prefix). */
export async function applicationRoutes(app: KelmahApp, opts: RouteOptions): Promise<void> {
  const { applications } = opts
  const authed = { preHandler: [app.authenticate] }
  const hirer = { preHandler: [app.authenticate, requireRole('hirer')] }
  const verifiedHirer = { preHandler: [app.authenticate, requireRole('hirer'), requireVerifiedEmail] }
  const worker = { preHandler: [app.authenticate, requireRole('worker')] }
  const verifiedWorker = { preHandler: [app.authenticate, requireRole('worker'), requireVerifiedEmail] }

  app.post(
    '/api/jobs/:id/applications',
    { schema: ApplySchema, ...verifiedWorker },
    async (request, reply) => {
      const created = await applications.apply(
        userOf(request),
        request.params.id,
        request.body,
        eventContext(request),
      )
      return reply.code(201).send(toApplicationView(created))
    },
  )

  app.get('/api/jobs/:id/applications', { schema: JobApplicationsSchema, ...hirer }, async (request) => {
    const page = await applications.listForJob(userOf(request), request.params.id, request.query)
    return { items: page.items.map(toApplicationView), nextCursor: page.nextCursor }
  })

  app.get('/api/applications/mine', { schema: MyApplicationsSchema, ...worker }, async (request) => {
    const page = await applications.mine(userOf(request), request.query)
    return { items: page.items.map(toApplicationView), nextCursor: page.nextCursor }
  })

  app.get('/api/applications/:id', { schema: GetApplicationSchema, ...authed }, async (request) =>
    toApplicationView(await applications.get(userOf(request), request.params.id)),
  )

  app.post(
    '/api/applications/:id/shortlist',
    { schema: ShortlistSchema, ...verifiedHirer },
    async (request) => toApplicationView(await applications.shortlist(userOf(request), request.params.id)),
  )

  app.post('/api/applications/:id/reject', { schema: RejectSchema, ...verifiedHirer }, async (request) =>
    toApplicationView(await applications.reject(userOf(request), request.params.id, eventContext(request))),
  )

  app.post('/api/applications/:id/withdraw', { schema: WithdrawSchema, ...verifiedWorker }, async (request) =>
    toApplicationView(await applications.withdraw(userOf(request), request.params.id, eventContext(request))),
  )
}
