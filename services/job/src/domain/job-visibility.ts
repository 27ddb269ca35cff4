/**
 * Who may see a job — the one rule behind `GET /api/jobs/:id`, applying, and the lists (search
 * and recommendations list public jobs only; `GET /api/jobs/invited` lists a worker's
 * invitations). Pure; `services/invitations.ts` looks up the viewer's relation to the job.
 *
 * | job                                 | sees it                                                                    |
 * | ----------------------------------- | -------------------------------------------------------------------------- |
 * | `draft` (any visibility)            | its hirer                                                                  |
 * | `public`, published                 | every signed-in user                                                       |
 * | `invite_only`, published            | its hirer, admins, the invited workers, a worker who already applied (the job may have turned invite-only after) |
 * | published, its hirer suspended      | its hirer, admins, a worker who already applied (their application and contract go on) |
 *
 * Anyone else is told the job does not exist (404 `JOB_ERR_JOB_NOT_FOUND`): job ids are
 * MongoDB ObjectIds — a timestamp, a per-process random part and a counter — so ids of jobs
 * posted around the same time differ in a few digits and are easy to guess; a 403 would confirm
 * the guess.
 *
 * Applying needs more than seeing: an `invite_only` job takes applications only from invited
 * workers, and the job of a suspended hirer (`hirerSuspended`, from auth's `UserSuspended` until
 * `UserReinstated`; services/suspensions.ts) takes none (`mayApply`).
 */
import type { JobStatus } from './job-status.js'

/** What the rule reads of a job. */
export interface VisibleJob {
  hirerId: string
  status: JobStatus
  visibility: 'public' | 'invite_only'
  /** True while the hirer is suspended (absent on jobs stored before the field: false). */
  hirerSuspended?: boolean
}

/** The viewer: a signed-in user. */
export interface Viewer {
  sub: string
  role: 'hirer' | 'worker' | 'admin'
}

/** What the viewer is to the job besides its hirer (looked up only when the rule needs it). */
export interface Relation {
  invited: boolean
  applied: boolean
}

/**
 * True when the rule needs {@link Relation} to decide (an invite-only job, or one whose hirer is
 * suspended, seen by a non-hirer, non-admin).
 */
export function needsRelation(job: VisibleJob, viewer: Viewer): boolean {
  return (
    job.status !== 'draft' &&
    (job.visibility === 'invite_only' || Boolean(job.hirerSuspended)) &&
    !isHirerOrAdmin(job, viewer)
  )
}

/** Whether `viewer` may see `job` (table above); `relation` is read only when {@link needsRelation}. */
export function canSeeJob(job: VisibleJob, viewer: Viewer, relation?: Relation): boolean {
  if (job.status === 'draft') return job.hirerId === viewer.sub
  if (isHirerOrAdmin(job, viewer)) return true
  // A suspended hirer's job is out of view; a worker already in it (applied, hired) keeps it.
  if (job.hirerSuspended) return Boolean(relation?.applied)
  if (job.visibility === 'public') return true
  return Boolean(relation?.invited || relation?.applied)
}

/**
 * Whether `viewer` may apply to `job` as far as visibility goes (the status and the role are
 * checked elsewhere): public jobs take anyone; invite-only jobs only invited workers; the job of
 * a suspended hirer nobody.
 */
export function mayApply(job: VisibleJob, viewer: Viewer, relation?: Relation): boolean {
  if (job.status === 'draft' || job.hirerSuspended) return false
  if (job.visibility === 'public') return true
  return Boolean(relation?.invited) && job.hirerId !== viewer.sub
}

function isHirerOrAdmin(job: VisibleJob, viewer: Viewer): boolean {
  return job.hirerId === viewer.sub || viewer.role === 'admin'
}
