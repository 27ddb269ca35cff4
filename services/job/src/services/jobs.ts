/**
 * Job use cases: post (or draft), publish, read, edit, close, cancel (lists are in
 * `job-search.ts`). Each change reads the job, decides with `domain/job-status.ts` /
 * `domain/job-fields.ts`, and writes through the jobs store (one update guarded by
 * `{_id, version}`, carrying its events; a lost race decides again on the new state).
 *
 * Closing and cancelling also decide on the job's contracts (`domain/job-contracts.ts`): the
 * unsigned ones are withdrawn, a signed one refuses the end. The commit point is each pending
 * contract's fate (`services/fates.ts`), claimed `voided` BEFORE the job is written, so a second
 * signature landing at the same moment either won its `activated` fate first (the end is refused,
 * 409 `JOB_ERR_HIRE_IN_PROGRESS`, and the job is not written) or finds the contract voided (its
 * 409 `JOB_ERR_JOB_ENDED`) — also across processes, where the job's guarded update alone would
 * not decide it (docs/ferretdb.md).
 */
import type { EventContext } from '@kelmah/contracts'
import type { Caller } from '@kelmah/service-kit'
import { Types } from 'mongoose'
import { editJob, newJob, type CreateJobInput, type UpdateJobInput } from '../domain/job-fields.js'
import { planJobEnd, withdrawalReason, type JobEnd } from '../domain/job-contracts.js'
import { moveJob } from '../domain/job-status.js'
import { HireInProgress, JobNotFound } from '../errors.js'
import { jobClosed, jobPosted } from '../events/publishers.js'
import type { ContractDoc } from '../models/contract.js'
import type { JobDoc } from '../models/job.js'
import { rejectActiveApplications } from './applications.js'
import type { ServiceDeps } from './deps.js'
import { claimFate, fatesOf } from './fates.js'
import type { Hiring } from './hiring.js'
import { jobFor } from './invitations.js'
import { syncSuspension } from './suspensions.js'

export type { BudgetInput, CreateJobInput, JobFields, UpdateJobInput } from '../domain/job-fields.js'

const toId = (id: string) => new Types.ObjectId(id)

/** Job use cases. */
export class Jobs {
  readonly #d: ServiceDeps
  readonly #hiring: Hiring

  constructor(deps: ServiceDeps, hiring: Hiring) {
    this.#d = deps
    this.#hiring = hiring
  }

  /**
   * Post a job (open, publishing `JobPosted`) or save a draft.
   *
   * @throws UnknownCategory, InvalidBudget (400 naming the field)
   */
  async create(caller: Caller, input: CreateJobInput, ctx: EventContext): Promise<JobDoc> {
    const doc = newJob(caller.sub, input, this.#d.now())
    const job = await this.#d.stores.jobs.create(doc, doc.status === 'open' ? [jobPosted(doc, ctx)] : [])
    // Posted while the hirer's suspension was being applied (their token not yet refused): the
    // job takes the flag like their older ones. One `_id` lookup when never suspended.
    if (await syncSuspension(this.#d, caller.sub)) return { ...job, hirerSuspended: true }
    return job
  }

  /**
   * A job as `caller` may see it (`domain/job-visibility.ts`): a draft only its hirer; a public
   * job anyone; an invite-only job its hirer, admins, the invited workers and workers who applied.
   *
   * @throws JobNotFound (404) when unknown or not visible to the caller
   */
  async get(caller: Caller, id: string): Promise<JobDoc> {
    return (await jobFor(this.#d, caller, id)).job
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
   * contract still awaiting signatures is withdrawn (cancelled, reason `job_closed`,
   * `ContractCancelled`); every pending or shortlisted application is rejected (`job_closed`).
   *
   * @throws JobNotFound (404); IllegalJobTransition (409) unless open; HireInProgress (409) when a
   *   contract on the job is signed by both parties (or its second signature won the race);
   *   ConcurrentUpdate (409)
   */
  async close(caller: Caller, id: string, reason: string | undefined, ctx: EventContext): Promise<JobDoc> {
    return this.#end(caller, id, 'closed', reason, ctx)
  }

  /**
   * Cancel a draft or open job: → cancelled, `JobClosed` with status `cancelled`; contracts
   * awaiting signatures are withdrawn (reason `job_cancelled`); open applications are rejected
   * with reason `job_closed`.
   *
   * @throws JobNotFound (404); IllegalJobTransition (409) unless draft or open (a job in progress
   *   ends through its contracts); HireInProgress (409) as for {@link close}; ConcurrentUpdate (409)
   */
  async cancel(caller: Caller, id: string, reason: string | undefined, ctx: EventContext): Promise<JobDoc> {
    return this.#end(caller, id, 'cancelled', reason, ctx)
  }

  /**
   * Close or cancel (module header): plan on the job and its contracts, claim `voided` for each
   * pending contract (the commit point), write the job, then let the follow-ups withdraw the
   * voided contracts (and any an accept created meanwhile) and reject the open applications.
   *
   * A refusal after some claims (a second signature won on one opening of several) still
   * withdraws the offers already voided — they would otherwise be unsignable and pending.
   */
  async #end(caller: Caller, id: string, to: JobEnd, reason: string | undefined, ctx: EventContext) {
    const job = await this.own(caller, id)
    const contracts = await this.#d.Contract.find({ jobId: job._id }, { status: 1, jobId: 1 }).lean<
      Pick<ContractDoc, '_id' | 'jobId' | 'status'>[]
    >()
    const fates = await fatesOf(
      this.#d,
      contracts.filter((c) => c.status === 'pending_signatures').map((c) => c._id),
    )
    const plan = planJobEnd(
      job,
      to,
      contracts.map((c) => ({ id: String(c._id), status: c.status, fate: fates.get(String(c._id)) ?? null })),
    )
    const voided: Pick<ContractDoc, '_id' | 'jobId'>[] = []
    for (const c of contracts.filter((x) => plan.withdraw.includes(String(x._id)))) {
      if ((await claimFate(this.#d, c, 'voided', withdrawalReason(to))) === 'activated') {
        await this.#hiring.withdraw(voided, withdrawalReason(to), ctx)
        throw new HireInProgress(String(c._id))
      }
      voided.push(c)
    }
    const ended = await this.#d.stores.jobs.change(
      job._id,
      (j) => {
        planJobEnd(j, to, [])
        return moveJob(j, to, { closedAt: this.#d.now() }, [jobClosed(j, to, ctx, reason)])
      },
      { current: job },
    )
    await this.#hiring.syncJob(ended._id, ctx)
    await rejectActiveApplications(this.#d, ended._id, 'job_closed', ctx)
    return (await this.#d.Job.findById(ended._id).lean<JobDoc>()) ?? ended
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
