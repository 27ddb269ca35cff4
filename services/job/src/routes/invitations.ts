/**
 * Invitations: `POST|GET /api/jobs/:id/invitations` (the job's hirer), `GET /api/jobs/invited`
 * (a worker). Rules in `src/services/invitations.ts` and `src/domain/job-visibility.ts`.
 */
import { authenticated, requireRole, requireVerifiedEmail } from '@kelmah/service-kit'
import { InviteSchema, InvitedJobsSchema, JobInvitationsSchema } from '../schemas/invitations.js'
import { toInvitationView, toJobView } from '../services/views.js'
import { callerOf, type JobRoutePlugin } from './context.js'

/** Invitation routes (full paths; registered without a prefix). */
export const invitationRoutes: JobRoutePlugin = authenticated((app, { invitations }) => {
  const hirer = { preHandler: [requireRole('hirer')] }
  const verifiedHirer = { preHandler: [requireRole('hirer'), requireVerifiedEmail] }
  const worker = { preHandler: [requireRole('worker')] }

  app.post(
    '/api/jobs/:id/invitations',
    { schema: InviteSchema, ...verifiedHirer },
    async (request, reply) => {
      const { invitation, created } = await invitations.invite(
        callerOf(request),
        request.params.id,
        request.body.workerId,
      )
      return reply.code(created ? 201 : 200).send(toInvitationView(invitation))
    },
  )

  app.get('/api/jobs/:id/invitations', { schema: JobInvitationsSchema, ...hirer }, async (request) => {
    const page = await invitations.listForJob(callerOf(request), request.params.id, request.query)
    return { items: page.items.map(toInvitationView), nextCursor: page.nextCursor }
  })

  app.get('/api/jobs/invited', { schema: InvitedJobsSchema, ...worker }, async (request) => {
    const page = await invitations.invitedJobs(callerOf(request), request.query)
    return {
      items: page.items.map((i) => ({ job: toJobView(i.job), invitedAt: i.invitedAt.toISOString() })),
      nextCursor: page.nextCursor,
    }
  })
  return Promise.resolve()
})
