/**
 * Applications: `POST|GET /api/jobs/:id/applications`, `GET /api/applications/mine`,
 * `GET /api/applications/:id`, `POST /api/applications/:id/{shortlist,reject,withdraw}`.
 * (`POST /api/applications/:id/accept` belongs to the contract routes.)
 */
import { authenticated, requireRole, requireVerifiedEmail } from '@kelmah/service-kit'
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
import { callerOf, eventContextOf, type JobRoutePlugin } from './context.js'

/** Application routes (full paths; registered without a prefix). */
export const applicationRoutes: JobRoutePlugin = authenticated((app, { applications }) => {
  const hirer = { preHandler: [requireRole('hirer')] }
  const verifiedHirer = { preHandler: [requireRole('hirer'), requireVerifiedEmail] }
  const worker = { preHandler: [requireRole('worker')] }
  const verifiedWorker = { preHandler: [requireRole('worker'), requireVerifiedEmail] }

  app.post(
    '/api/jobs/:id/applications',
    { schema: ApplySchema, ...verifiedWorker },
    async (request, reply) => {
      const created = await applications.apply(
        callerOf(request),
        request.params.id,
        request.body,
        eventContextOf(request),
      )
      return reply.code(201).send(toApplicationView(created))
    },
  )

  app.get('/api/jobs/:id/applications', { schema: JobApplicationsSchema, ...hirer }, async (request) => {
    const page = await applications.listForJob(callerOf(request), request.params.id, request.query)
    return { items: page.items.map(toApplicationView), nextCursor: page.nextCursor }
  })

  app.get('/api/applications/mine', { schema: MyApplicationsSchema, ...worker }, async (request) => {
    const page = await applications.mine(callerOf(request), request.query)
    return { items: page.items.map(toApplicationView), nextCursor: page.nextCursor }
  })

  app.get('/api/applications/:id', { schema: GetApplicationSchema }, async (request) =>
    toApplicationView(await applications.get(callerOf(request), request.params.id)),
  )

  app.post(
    '/api/applications/:id/shortlist',
    { schema: ShortlistSchema, ...verifiedHirer },
    async (request) => toApplicationView(await applications.shortlist(callerOf(request), request.params.id)),
  )

  app.post('/api/applications/:id/reject', { schema: RejectSchema, ...verifiedHirer }, async (request) =>
    toApplicationView(
      await applications.reject(callerOf(request), request.params.id, eventContextOf(request)),
    ),
  )

  app.post('/api/applications/:id/withdraw', { schema: WithdrawSchema, ...verifiedWorker }, async (request) =>
    toApplicationView(
      await applications.withdraw(callerOf(request), request.params.id, eventContextOf(request)),
    ),
  )
  return Promise.resolve()
})
