/**
 * Route schemas of invitations: `POST|GET /api/jobs/:id/invitations` (the hirer) and
 * `GET /api/jobs/invited` (the worker). Who sees an invite-only job: `src/domain/job-visibility.ts`.
 */
import { Id, Page, PageQuery } from '@kelmah/contracts'
import Type, { type Static } from 'typebox'
import { bearer, IdParams, JobView } from './common.js'

const tags = ['invitations']

/** `POST /api/jobs/:id/invitations` body. */
export const InviteBody = Type.Object(
  { workerId: { ...Id, description: "the worker's user id (a worker profile the service knows)" } },
  { additionalProperties: false },
)
export type InviteBody = Static<typeof InviteBody>

/** An invitation as returned. */
export const InvitationView = Type.Object({
  jobId: Type.String(),
  workerId: Type.String(),
  invitedAt: Type.String({ format: 'date-time' }),
})

/** Page query of the invitation lists. */
export const InvitationsQuery = Type.Object({ ...PageQuery.properties })
export type InvitationsQuery = Static<typeof InvitationsQuery>

/** Route schema of `POST /api/jobs/:id/invitations`. */
export const InviteSchema = {
  summary:
    'Invite a worker to one of your jobs (draft or open); an invite-only job is seen and applied to only by invited workers',
  description: 'A suspended worker cannot be invited: 404 JOB_ERR_WORKER_NOT_FOUND, as for an unknown one.',
  tags,
  security: bearer,
  params: IdParams,
  body: InviteBody,
  response: { 201: InvitationView, 200: InvitationView },
}

/** Route schema of `GET /api/jobs/:id/invitations`. */
export const JobInvitationsSchema = {
  summary: 'The workers invited to one of your jobs, newest first',
  tags,
  security: bearer,
  params: IdParams,
  querystring: InvitationsQuery,
  response: { 200: Page(InvitationView) },
}

/** Route schema of `GET /api/jobs/invited`. */
export const InvitedJobsSchema = {
  summary: 'The jobs you (a worker) are invited to, newest invitation first (drafts once published)',
  description: 'Jobs of suspended hirers are left out until the hirer is reinstated.',
  tags,
  security: bearer,
  querystring: InvitationsQuery,
  response: { 200: Page(Type.Object({ job: JobView, invitedAt: Type.String({ format: 'date-time' }) })) },
}
