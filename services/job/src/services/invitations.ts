/**
 * Invitations and who sees a job (`domain/job-visibility.ts`): the hirer invites workers
 * (`POST /api/jobs/:id/invitations`), lists them (`GET /api/jobs/:id/invitations`), and a worker
 * lists the jobs they are invited to (`GET /api/jobs/invited`). {@link jobFor} is the one read of
 * a job on behalf of a viewer, used by `GET /api/jobs/:id` and by applying.
 *
 * An invitation is one insert-only document keyed `"<jobId>:<workerId>"` (`models/job-invitation.ts`):
 * inviting twice finds the first one (the duplicate-`_id` insert is atomic, also across processes
 * on FerretDB).
 */
import { afterPosition, isDuplicateKey, pageOf, type Caller } from '@kelmah/service-kit'
import { Types, type QueryFilter } from 'mongoose'
import { canSeeJob, needsRelation, type Relation } from '../domain/job-visibility.js'
import { InvitationNotAllowed, JobNotFound, WorkerNotFound } from '../errors.js'
import { invitationId, type JobInvitationDoc } from '../models/job-invitation.js'
import type { JobDoc } from '../models/job.js'
import type { ServiceDeps } from './deps.js'
import { decodeTypedCursor, toDate } from './paging.js'

/** Page query of the invitation lists. */
export interface InvitationsQuery {
  limit?: number
  cursor?: string
}

/** A page of invitations of one job. */
export interface InvitationPage {
  items: JobInvitationDoc[]
  nextCursor: string | null
}

/** A page of the jobs a worker is invited to, with the invitation. */
export interface InvitedJobPage {
  items: Array<{ job: JobDoc; invitedAt: Date }>
  nextCursor: string | null
}

/** What `viewer` is to `job` besides its hirer: invited, applied (two `_id`/unique-key lookups). */
export async function relationOf(
  d: Pick<ServiceDeps, 'JobInvitation' | 'Application'>,
  job: Pick<JobDoc, '_id'>,
  viewer: Pick<Caller, 'sub'>,
): Promise<Relation> {
  const [invited, applied] = await Promise.all([
    d.JobInvitation.exists({ _id: invitationId(job._id, viewer.sub) }),
    d.Application.exists({ jobId: job._id, workerId: viewer.sub }),
  ])
  return { invited: invited !== null, applied: applied !== null }
}

/**
 * Job `id` as `caller` may see it (`domain/job-visibility.ts`), with the caller's relation to it
 * when the rule needed one.
 *
 * @throws JobNotFound (404) when unknown or not visible to the caller (existence is not leaked)
 */
export async function jobFor(
  d: Pick<ServiceDeps, 'Job' | 'JobInvitation' | 'Application'>,
  caller: Caller,
  id: string,
): Promise<{ job: JobDoc; relation?: Relation }> {
  const job = await d.Job.findById(new Types.ObjectId(id)).lean<JobDoc>()
  if (!job) throw new JobNotFound(id)
  const relation = needsRelation(job, caller) ? await relationOf(d, job, caller) : undefined
  if (!canSeeJob(job, caller, relation)) throw new JobNotFound(id)
  return relation ? { job, relation } : { job }
}

/** Invitation use cases. */
export class Invitations {
  readonly #d: ServiceDeps

  constructor(deps: ServiceDeps) {
    this.#d = deps
  }

  /**
   * The job's hirer invites a worker (idempotent: the second time answers the first invitation).
   *
   * @returns the invitation and whether this call created it
   * @throws JobNotFound (404) unless the caller's job; InvitationNotAllowed (409) unless draft or
   *   open; WorkerNotFound (404) when `workerId` is not a worker the service knows, or is suspended
   */
  async invite(
    caller: Caller,
    jobId: string,
    workerId: string,
  ): Promise<{ invitation: JobInvitationDoc; created: boolean }> {
    const { Job, WorkerProfile, JobInvitation } = this.#d
    const job = await Job.findById(new Types.ObjectId(jobId)).lean<JobDoc>()
    if (!job || job.hirerId !== caller.sub) throw new JobNotFound(jobId)
    if (job.status !== 'draft' && job.status !== 'open') throw new InvitationNotAllowed(job.status)
    const profile = await WorkerProfile.findById(workerId, { role: 1, suspended: 1 }).lean<{
      role?: string
      suspended?: boolean
    }>()
    // A suspended worker is not one the service offers (services/suspensions.ts).
    if (!profile || profile.role !== 'worker' || profile.suspended) throw new WorkerNotFound(workerId)
    const doc: JobInvitationDoc = {
      _id: invitationId(job._id, workerId),
      jobId: job._id,
      hirerId: job.hirerId,
      workerId,
      createdAt: this.#d.now(),
    }
    try {
      await JobInvitation.create(doc)
      return { invitation: doc, created: true }
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
      const first = await JobInvitation.findById(doc._id).lean<JobInvitationDoc>()
      if (!first) throw err
      return { invitation: first, created: false }
    }
  }

  /**
   * The invitations of one of the caller's jobs, newest first.
   *
   * @throws JobNotFound (404) unless the caller's job; BadRequest (400 `cursor`)
   */
  async listForJob(caller: Caller, jobId: string, q: InvitationsQuery): Promise<InvitationPage> {
    const job = await this.#d.Job.findById(new Types.ObjectId(jobId), { hirerId: 1 }).lean<JobDoc>()
    if (!job || job.hirerId !== caller.sub) throw new JobNotFound(jobId)
    return this.#page({ jobId: job._id }, q)
  }

  /**
   * The jobs `caller` (a worker) is invited to, newest invitation first; drafts are left out
   * (they show once published), and so are jobs of suspended hirers (back on reinstatement).
   * Items whose job is gone are skipped.
   *
   * @throws BadRequest (400 `cursor`)
   */
  async invitedJobs(caller: Caller, q: InvitationsQuery): Promise<InvitedJobPage> {
    const page = await this.#page({ workerId: caller.sub }, q)
    const jobs = await Promise.all(page.items.map((i) => this.#d.Job.findById(i.jobId).lean<JobDoc>()))
    const items = page.items.flatMap((i, n) => {
      const job = jobs[n]
      return job && job.status !== 'draft' && !job.hirerSuspended ? [{ job, invitedAt: i.createdAt }] : []
    })
    return { items, nextCursor: page.nextCursor }
  }

  async #page(filter: QueryFilter<JobInvitationDoc>, q: InvitationsQuery): Promise<InvitationPage> {
    const limit = q.limit ?? 20
    const pos = decodeTypedCursor(q.cursor, ['date', 'string'])
    const after = pos ? afterPosition('createdAt', pos, { toKey: toDate }) : undefined
    const rows = await this.#d.JobInvitation.find(after ? { $and: [filter, after] } : filter)
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit + 1)
      .lean<JobInvitationDoc[]>()
    return pageOf(rows, limit, (i) => [new Date(i.createdAt).toISOString(), i._id])
  }
}
