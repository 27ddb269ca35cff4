/**
 * Application use cases: apply, list (the hirer per job, the worker their own), read, shortlist,
 * reject, withdraw. Status changes are decided by `domain/application-status.ts` and written by
 * the applications store (`change`: one update guarded by `{_id, version}`; a lost race decides
 * again on the new state): of two conflicting changes exactly one wins, the other gets 409.
 */
import { MoneyError, positiveMoney, sumMoney, type EventContext } from '@kelmah/contracts'
import { noteOutboxWrite, toOutbox } from '@kelmah/bus'
import { afterPosition, type Decision, isDuplicateKey, pageOf, type Caller } from '@kelmah/service-kit'
import { Types, type QueryFilter } from 'mongoose'
import {
  ACTIVE_APPLICATION_STATUSES,
  moveApplication,
  moveIfActive,
  type ApplicationStatus,
} from '../domain/application-status.js'
import { mayApply } from '../domain/job-visibility.js'
import {
  AlreadyApplied,
  ApplicationNotFound,
  BidCurrencyMismatch,
  InvalidBid,
  JobNotFound,
  JobNotOpen,
  MilestonesDoNotSumToBid,
  withFields,
} from '../errors.js'
import { applicationRejected, applicationSubmitted, applicationWithdrawn } from '../events/publishers.js'
import type { ApplicationDoc, RejectionReason } from '../models/application.js'
import type { JobDoc } from '../models/job.js'
import type { ServiceDeps } from './deps.js'
import { jobFor, relationOf } from './invitations.js'
import { decodeTypedCursor, toDate, toObjectId } from './paging.js'

/** `POST /api/jobs/:id/applications` body. */
export interface ApplyInput {
  coverLetter: string
  bid: { amountMinor: number; currency: string }
  estimatedDays: number
  milestones?: Array<{ title: string; amountMinor: number; dueDate?: string | null }>
}

/** List query of applications. */
export interface ApplicationsQuery {
  status?: ApplicationStatus
  limit?: number
  cursor?: string
}

/** A page of applications. */
export interface ApplicationPage {
  items: ApplicationDoc[]
  nextCursor: string | null
}

/**
 * Reject every pending or shortlisted application of job `jobId` with `reason` (`job_closed` when
 * the hirer closes or cancels it, `position_filled` when the last opening is filled), each with
 * its `ApplicationRejected`, except those in `except` (the hired ones). An application that moved
 * on meanwhile (withdrawn, accepted) is skipped. The one "reject the others" routine: jobs
 * (close/cancel) and hiring (the job filled) both use it.
 *
 * Round trips: one read (`{jobId}` only — the one key FerretDB pushes down; the status and the
 * exceptions are filtered here) and two writes whatever the number: all but the last rejection in
 * ONE `update` command of guarded single-document updates ({@link writeRejections}), the last
 * through the store, whose write asks the outbox relay to publish them all. Each update is
 * guarded by the application's `_id` and `version` as read, as `store.change` guards it; an
 * application changed meanwhile is decided again on a fresh read.
 *
 * @returns how many were rejected
 */
export async function rejectActiveApplications(
  d: Pick<ServiceDeps, 'Application' | 'stores' | 'now'>,
  jobId: Types.ObjectId,
  reason: RejectionReason,
  ctx: EventContext,
  except: readonly Types.ObjectId[] = [],
): Promise<number> {
  const skip = new Set(except.map(String))
  const active = (await d.Application.find({ jobId }).lean<ApplicationDoc[]>()).filter(
    (a) => ACTIVE_APPLICATION_STATUSES.includes(a.status) && !skip.has(String(a._id)),
  )
  const decide = (a: ApplicationDoc) =>
    moveIfActive(a, 'rejected', { rejectionReason: reason }, [applicationRejected(a, reason, ctx)])
  const last = active.pop()
  if (!last) return 0
  let rejected = await writeRejections(d, active, decide)
  const after = await d.stores.applications.change(last._id, decide, { current: last })
  if (after.version !== last.version) rejected++
  return rejected
}

/**
 * The guarded rejections of `apps` (as read) in one `update` command, through the native
 * collection (mongoose's `bulkWrite` hook would make the relay scan the whole collection; each
 * written `_id` is noted for it instead — `noteOutboxWrite`). The update is what
 * `AggregateStore.change` writes: the decision's `$set` and `updatedAt`, the version bump, the
 * events pushed to the outbox (with the relay's pending flag). When fewer than all were written (one changed meanwhile), each is
 * decided again on a fresh read through the store (a no-op for those already rejected).
 *
 * LIB-GAP: a batch `change` of many documents belongs in `AggregateStore` (service-kit).
 *
 * @returns how many were rejected
 */
async function writeRejections(
  d: Pick<ServiceDeps, 'Application' | 'stores' | 'now'>,
  apps: readonly ApplicationDoc[],
  decide: (a: ApplicationDoc) => Decision | null,
): Promise<number> {
  // The relay's sweep flag (`outboxPending`, @kelmah/bus), which outboxPlugin's middleware sets
  // on mongoose writes and this native write must set itself, when the schema has it.
  const flag = d.Application.schema.path('outboxPending') ? { outboxPending: true } : {}
  const ops = apps.flatMap((a) => {
    const decision = decide(a)
    if (!decision) return []
    return [
      {
        updateOne: {
          filter: { _id: a._id, version: a.version ?? null },
          update: {
            $set: { ...decision.set, ...flag, updatedAt: d.now() },
            $inc: { version: 1 },
            $push: { outbox: { $each: toOutbox(decision.events ?? []) } },
          },
        },
      },
    ]
  })
  if (ops.length === 0) return 0
  // `as never`: the driver types `$push` by the document type, which a lean record does not carry.
  const res = await d.Application.collection.bulkWrite(ops as never, { ordered: false })
  for (const a of apps) noteOutboxWrite(d.Application, a._id)
  if (res.modifiedCount === ops.length) return ops.length
  let rejected = 0
  for (const a of apps) {
    const fresh = await d.stores.applications.get(a._id)
    if (!fresh) continue
    // Ours: the version right after the one we read, rejected for this reason.
    const ours =
      fresh.version === (a.version ?? 0) + 1 &&
      fresh.status === 'rejected' &&
      fresh.rejectionReason === decide(a)?.set?.rejectionReason
    if (ours) {
      rejected++
      continue
    }
    const after = await d.stores.applications.change(fresh._id, decide, { current: fresh })
    if (after.version !== fresh.version) rejected++
  }
  return rejected
}

/**
 * The money of a proposal: the bid and each proposed milestone are bounded positive money in the
 * bid's currency (`@kelmah/contracts` `positiveMoney`), and the milestones (if any) add up to the
 * bid exactly (summed with `sumMoney`, which refuses a sum beyond the safe-integer range).
 *
 * @throws InvalidBid (400 naming `bid.amountMinor`, `bid.currency` or `milestones.<i>.amountMinor`);
 *   MilestonesDoNotSumToBid (400 naming `milestones`)
 */
export function assertProposalMoney(
  bid: { amountMinor: number; currency: string },
  milestones: readonly { amountMinor: number }[],
): void {
  const refuse = (field: string, err: MoneyError) =>
    withFields(new InvalidBid(`${field} ${err.message}`), [{ field, message: err.message, in: 'body' }])
  try {
    positiveMoney(bid.amountMinor, bid.currency)
  } catch (err) {
    if (!(err instanceof MoneyError)) throw err
    throw refuse(err.reason === 'currency' ? 'bid.currency' : 'bid.amountMinor', err)
  }
  if (milestones.length === 0) return
  const amounts = milestones.map((m, i) => {
    try {
      return positiveMoney(m.amountMinor, bid.currency)
    } catch (err) {
      if (!(err instanceof MoneyError)) throw err
      throw refuse(`milestones.${i}.amountMinor`, err)
    }
  })
  let sum: number
  try {
    sum = sumMoney(amounts, bid.currency).amountMinor
  } catch (err) {
    if (!(err instanceof MoneyError)) throw err
    throw refuse('milestones', err)
  }
  if (sum !== bid.amountMinor) {
    throw withFields(new MilestonesDoNotSumToBid(sum, bid.amountMinor), [
      { field: 'milestones', message: `add up to ${sum}, not the bid ${bid.amountMinor}`, in: 'body' },
    ])
  }
}

/** Application use cases. */
export class Applications {
  readonly #d: ServiceDeps

  constructor(deps: ServiceDeps) {
    this.#d = deps
  }

  /**
   * A worker applies to an open job, once. Publishes `ApplicationSubmitted`; the job's
   * `applicationCount` grows by one.
   *
   * @throws JobNotFound (404; drafts included, an invite-only job the caller is not invited
   *   to, and a suspended hirer's job — `domain/job-visibility.ts`); JobNotOpen (409); BidCurrencyMismatch (400 naming
   *   `bid.currency`); InvalidBid / MilestonesDoNotSumToBid (400 naming the field — see
   *   {@link assertProposalMoney}); AlreadyApplied (409)
   */
  async apply(caller: Caller, jobId: string, input: ApplyInput, ctx: EventContext): Promise<ApplicationDoc> {
    // Seeing first, then the invitation (an invite-only job takes invited workers only): anyone
    // else is told the job does not exist, whatever its status (domain/job-visibility.ts).
    const { job, relation } = await jobFor(this.#d, caller, jobId)
    if (job.visibility === 'invite_only' || job.hirerSuspended) {
      const known = relation ?? (await relationOf(this.#d, job, caller))
      if (!mayApply(job, caller, known)) throw new JobNotFound(jobId)
    }
    if (job.status !== 'open') throw new JobNotOpen(job.status)
    if (input.bid.currency !== job.budget.currency) {
      throw withFields(new BidCurrencyMismatch(job.budget.currency), [
        {
          field: 'bid.currency',
          message: `must be ${job.budget.currency}, the job's budget currency`,
          in: 'body',
        },
      ])
    }
    const milestones = (input.milestones ?? []).map((m) => ({
      title: m.title.trim(),
      amountMinor: m.amountMinor,
      dueDate: m.dueDate ?? null,
    }))
    assertProposalMoney(input.bid, milestones)
    const now = this.#d.now()
    const doc = {
      _id: new Types.ObjectId(),
      jobId: job._id,
      hirerId: job.hirerId,
      jobTitle: job.title,
      workerId: caller.sub,
      coverLetter: input.coverLetter.trim(),
      bid: { amountMinor: input.bid.amountMinor, currency: input.bid.currency },
      estimatedDays: input.estimatedDays,
      proposedMilestones: milestones,
      status: 'pending' as const,
      rejectionReason: null,
      version: 0,
      createdAt: now,
      updatedAt: now,
    }
    let created: ApplicationDoc
    try {
      // The unique {jobId, workerId} index is the atomic "apply once" check (also across instances).
      created = await this.#d.stores.applications.create(doc, [applicationSubmitted(doc, ctx)])
    } catch (err) {
      if (isDuplicateKey(err)) throw new AlreadyApplied()
      throw err
    }
    // A counter on another aggregate, not a change of it: no version bump, so it never makes a
    // hirer's edit lose its race.
    await this.#d.Job.updateOne({ _id: job._id }, { $inc: { applicationCount: 1 } })
    return created
  }

  /**
   * The applications of one of the caller's jobs, newest first.
   *
   * @throws JobNotFound (404) when the job is unknown or not the caller's
   */
  async listForJob(caller: Caller, jobId: string, q: ApplicationsQuery): Promise<ApplicationPage> {
    const job = await this.#d.Job.findById(new Types.ObjectId(jobId)).lean<JobDoc>()
    if (!job || job.hirerId !== caller.sub) throw new JobNotFound(jobId)
    const filter: QueryFilter<ApplicationDoc> = { jobId: job._id }
    if (q.status) filter.status = q.status
    return this.#page(filter, q)
  }

  /** The caller's own applications (as a worker), newest first. */
  async mine(caller: Caller, q: ApplicationsQuery): Promise<ApplicationPage> {
    const filter: QueryFilter<ApplicationDoc> = { workerId: caller.sub }
    if (q.status) filter.status = q.status
    return this.#page(filter, q)
  }

  /**
   * An application, for its worker or the job's hirer.
   *
   * @throws ApplicationNotFound (404) for anyone else
   */
  async get(caller: Caller, id: string): Promise<ApplicationDoc> {
    const app = await this.#d.Application.findById(new Types.ObjectId(id)).lean<ApplicationDoc>()
    if (!app || (app.workerId !== caller.sub && app.hirerId !== caller.sub)) throw new ApplicationNotFound(id)
    return app
  }

  /** The hirer shortlists: pending → shortlisted. @throws ApplicationNotFound, IllegalApplicationTransition, ConcurrentUpdate */
  async shortlist(caller: Caller, id: string): Promise<ApplicationDoc> {
    const app = await this.#asHirer(caller, id)
    return this.#d.stores.applications.change(app._id, (a) => moveApplication(a, 'shortlisted'), {
      current: app,
    })
  }

  /**
   * The hirer rejects: pending | shortlisted → rejected (reason `hirer`), `ApplicationRejected`.
   *
   * @throws ApplicationNotFound, IllegalApplicationTransition, ConcurrentUpdate
   */
  async reject(caller: Caller, id: string, ctx: EventContext): Promise<ApplicationDoc> {
    const app = await this.#asHirer(caller, id)
    return this.#d.stores.applications.change(
      app._id,
      (a) =>
        moveApplication(a, 'rejected', { rejectionReason: 'hirer' }, [applicationRejected(a, 'hirer', ctx)]),
      { current: app },
    )
  }

  /**
   * The worker withdraws: pending | shortlisted → withdrawn, `ApplicationWithdrawn`; the job's
   * `applicationCount` shrinks by one.
   *
   * @throws ApplicationNotFound, IllegalApplicationTransition, ConcurrentUpdate
   */
  async withdraw(caller: Caller, id: string, ctx: EventContext): Promise<ApplicationDoc> {
    const app = await this.#d.Application.findById(new Types.ObjectId(id)).lean<ApplicationDoc>()
    if (!app || app.workerId !== caller.sub) throw new ApplicationNotFound(id)
    const done = await this.#d.stores.applications.change(
      app._id,
      (a) => moveApplication(a, 'withdrawn', {}, [applicationWithdrawn(a, ctx)]),
      { current: app },
    )
    await this.#d.Job.updateOne(
      { _id: app.jobId, applicationCount: { $gt: 0 } },
      { $inc: { applicationCount: -1 } },
    )
    return done
  }

  async #asHirer(caller: Caller, id: string): Promise<ApplicationDoc> {
    const app = await this.#d.Application.findById(new Types.ObjectId(id)).lean<ApplicationDoc>()
    if (!app || app.hirerId !== caller.sub) throw new ApplicationNotFound(id)
    return app
  }

  async #page(filter: QueryFilter<ApplicationDoc>, q: ApplicationsQuery): Promise<ApplicationPage> {
    const limit = q.limit ?? 20
    const pos = decodeTypedCursor(q.cursor, ['date', 'id'])
    const rows = await this.#d.Application.find(
      pos ? { $and: [filter, afterPosition('createdAt', pos, { toKey: toDate, toId: toObjectId })] } : filter,
    )
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit + 1)
      .lean<ApplicationDoc[]>()
    return pageOf(rows, limit, (a) => [new Date(a.createdAt).toISOString(), String(a._id)])
  }
}
