/**
 * Job use cases: post (or draft), publish, read, edit, close, cancel (lists are in
 * `job-search.ts`). Each change reads the job, decides with `domain/job-status.ts` /
 * `domain/job-fields.ts`, and writes through the jobs store (one update guarded by
 * `{_id, version}`, carrying its events; a lost race decides again on the new state).
 */
import type { EventContext } from '@kelmah/contracts'
import type { Caller } from '@kelmah/service-kit'
import { Types } from 'mongoose'
import { editJob, newJob, type CreateJobInput, type UpdateJobInput } from '../domain/job-fields.js'
import { moveJob } from '../domain/job-status.js'
import { IllegalJobTransition, JobNotFound } from '../errors.js'
import { jobClosed, jobPosted } from '../events/publishers.js'
import type { JobDoc } from '../models/job.js'
import { rejectActiveApplications } from './applications.js'
import type { ServiceDeps } from './deps.js'

export type { BudgetInput, CreateJobInput, JobFields, UpdateJobInput } from '../domain/job-fields.js'

const toId = (id: string) => new Types.ObjectId(id)

/** Job use cases. */
export class Jobs {
  readonly #d: ServiceDeps

  constructor(deps: ServiceDeps) {
    this.#d = deps
  }

  /**
   * Post a job (open, publishing `JobPosted`) or save a draft.
   *
   * @throws UnknownCategory, InvalidBudget (400 naming the field)
   */
  async create(caller: Caller, input: CreateJobInput, ctx: EventContext): Promise<JobDoc> {
    const doc = newJob(caller.sub, input, this.#d.now())
    return this.#d.stores.jobs.create(doc, doc.status === 'open' ? [jobPosted(doc, ctx)] : [])
  }

  /**
   * A job as `caller` may see it: anyone authenticated sees non-draft jobs (public or
   * invite-only, by id); a draft only its hirer.
   *
   * @throws JobNotFound (404)
   */
  async get(caller: Caller, id: string): Promise<JobDoc> {
    const job = await this.#d.Job.findById(toId(id)).lean<JobDoc>()
    if (!job || (job.status === 'draft' && job.hirerId !== caller.sub)) throw new JobNotFound(id)
    return job
  }

  /**
   * A job of `caller`'s own (as its hirer).
   *
   * @throws JobNotFound (404) when unknown or someone else's
   */
  async own(caller: Caller, id: string): Promise<JobDoc> {
    const job = await this.#d.Job.findById(toId(id)).lean<JobDoc>()
    if (!job || job.hirerId !== caller.sub) throw new JobNotFound(id)
    return job
  }

  /** Publish a draft: draft → open, `JobPosted`. @throws JobNotFound, IllegalJobTransition, ConcurrentUpdate */
  async publish(caller: Caller, id: string, ctx: EventContext): Promise<JobDoc> {
    const job = await this.own(caller, id)
    const now = this.#d.now()
    return this.#d.stores.jobs.change(
      job._id,
      (j) => moveJob(j, 'open', { publishedAt: j.publishedAt ?? now }, [jobPosted(j, ctx)]),
      { current: job },
    )
  }

  /**
   * Close an open job (the hirer stops taking applications): open → closed, `JobClosed`; every
   * pending or shortlisted application is then rejected with reason `job_closed`.
   *
   * @throws JobNotFound, IllegalJobTransition, ConcurrentUpdate
   */
  async close(caller: Caller, id: string, reason: string | undefined, ctx: EventContext): Promise<JobDoc> {
    const job = await this.own(caller, id)
    const closed = await this.#d.stores.jobs.change(
      job._id,
      (j) => moveJob(j, 'closed', { closedAt: this.#d.now() }, [jobClosed(j, 'closed', ctx, reason)]),
      { current: job },
    )
    await rejectActiveApplications(this.#d, closed._id, 'job_closed', ctx)
    return closed
  }

  /**
   * Cancel a draft or open job: → cancelled, `JobClosed` with status `cancelled`; open
   * applications are rejected with reason `job_closed`.
   *
   * @throws JobNotFound, IllegalJobTransition, ConcurrentUpdate
   */
  async cancel(caller: Caller, id: string, reason: string | undefined, ctx: EventContext): Promise<JobDoc> {
    const job = await this.own(caller, id)
    const cancelled = await this.#d.stores.jobs.change(
      job._id,
      (j) => {
        // Only draft/open may be cancelled by the hirer; a job in progress ends through its contracts.
        if (j.status !== 'draft' && j.status !== 'open') throw new IllegalJobTransition(j.status, 'cancelled')
        return moveJob(j, 'cancelled', { closedAt: this.#d.now() }, [jobClosed(j, 'cancelled', ctx, reason)])
      },
      { current: job },
    )
    await rejectActiveApplications(this.#d, cancelled._id, 'job_closed', ctx)
    return cancelled
  }

  /**
   * Edit a draft or open job; publishes `JobUpdated` naming the changed fields (nothing when
   * nothing changed).
   *
   * @throws JobNotFound; JobNotEditable (409) past open; ConcurrentUpdate (409) when `version`
   *   is stale or another edit won; UnknownCategory / InvalidBudget (400)
   */
  async update(caller: Caller, id: string, input: UpdateJobInput, ctx: EventContext): Promise<JobDoc> {
    const job = await this.own(caller, id)
    return this.#d.stores.jobs.change(job._id, (j) => editJob(j, input, ctx), { current: job })
  }
}
