/**
 * Contract use cases: accept an application (the hire), sign, read/list, milestone work, cancel —
 * plus the idempotent follow-ups on applications and the job, and the payment facts consumed from
 * the payment service. The rules live in `domain/contract.ts` and `domain/milestone.ts`; this
 * module only reads, decides through them, and writes.
 *
 * **Consistency without transactions** (FerretDB 1.24 has none; docs/ferretdb.md):
 * - The hire's commit point is the contract INSERT: its unique `applicationId` and `hireSlot`
 *   (`<jobId>:<n>`) make "exactly one of two racing accepts wins" hold even across processes.
 *   Nothing is written before it, so a losing accept changes nothing.
 * - The follow-ups (application `accepted`, other applications `rejected`, the job's `hiredCount`
 *   and status) are idempotent guarded updates run right after, and again by the service's own
 *   subscription to `ContractCreated`/`ContractSigned`/`ContractCompleted`/`ContractCancelled`
 *   (`events/hiring-handlers.ts`), so a crash in between heals itself.
 * - Every contract change is one guarded update on `{_id, version}` that rewrites the changed
 *   fields (the milestone array included) and carries its events (outbox); a lost race re-reads
 *   and decides again, so the loser of two concurrent signatures of one party gets the 409.
 */
import { noteOutboxWrite, toOutbox, withOutbox, NonRetryableError } from '@kelmah/bus'
import type { DomainEvent, EventOf } from '@kelmah/contracts'
import { afterPosition, pageOf } from '@kelmah/service-kit'
import type { FastifyBaseLogger } from 'fastify'
import { Types, type QueryFilter, type Model } from 'mongoose'
import { ACTIVE_APPLICATION_STATUSES, assertApplicationTransition } from '../domain/application-status.js'
import {
  allReleased,
  assertActive,
  decideCancellation,
  jobStatusAfterContracts,
  partyOf,
  sign,
  type ContractStatus,
  type Party,
} from '../domain/contract.js'
import { assertJobTransition } from '../domain/job-status.js'
import {
  assertMilestoneTransition,
  paymentFactOutcome,
  planMilestones,
  type MilestoneDraft,
  type PaymentFact,
} from '../domain/milestone.js'
import {
  ApplicationAlreadyHired,
  ApplicationNotFound,
  ConcurrentUpdate,
  ContractNotFound,
  JobNotFound,
  JobNotOpen,
  MilestoneNotFound,
  NotYourStep,
  PositionFilled,
  withFields,
  InvalidMilestones,
} from '../errors.js'
import {
  applicationAccepted,
  contractCancelled,
  contractCompleted,
  contractCreated,
  contractSigned,
  milestoneApproved,
  milestoneSubmitted,
} from '../events/contract-publishers.js'
import { applicationRejected, jobUpdated, type EventContext } from '../events/publishers.js'
import type { ApplicationDoc } from '../models/application.js'
import type { ContractDoc, MilestoneDoc } from '../models/contract.js'
import type { JobDoc } from '../models/job.js'
import type { ContractView } from '../schemas/contracts.js'
import type { Caller } from './deps.js'
import { decodeTypedCursor, toDate, toObjectId } from './paging.js'

/** Collaborators of {@link Contracts}. */
export interface ContractsDeps {
  Job: Model<JobDoc>
  Application: Model<ApplicationDoc>
  Contract: Model<ContractDoc>
  /** Ask the outbox relay to publish now. */
  kick: () => void
  now: () => Date
  log: FastifyBaseLogger
}

/** `POST /api/applications/:id/accept` input. */
export interface AcceptInput {
  milestones?: MilestoneDraft[]
  terms?: string
}

/** `GET /api/contracts` input. */
export interface ListInput {
  role?: Party
  status?: ContractStatus
  limit?: number
  cursor?: string
}

/** What a cancel call did: `cancelled`, or only `requested` (the worker must agree). */
export interface CancelOutcome {
  contract: ContractView
  outcome: 'cancelled' | 'requested'
}

/** One guarded contract change: the fields to set and the events to publish with them. */
interface ContractChange {
  set: Record<string, unknown>
  events: DomainEvent[]
}

/** How many times a change re-reads and re-decides after losing a version race. */
const MAX_ATTEMPTS = 8
const TERMS_MAX = 10_000

const iso = (d: Date | null | undefined): string | null => (d ? new Date(d).toISOString() : null)
const plainMoney = (m: { amountMinor: number; currency: string }) => ({
  amountMinor: m.amountMinor,
  currency: m.currency,
})

/** The view of a contract its parties see. */
export function toContractView(c: ContractDoc): ContractView {
  return {
    id: String(c._id),
    jobId: String(c.jobId),
    applicationId: String(c.applicationId),
    hirerId: c.hirerId,
    workerId: c.workerId,
    title: c.title,
    terms: c.terms,
    total: plainMoney(c.total),
    status: c.status,
    milestones: c.milestones.map((m) => ({
      id: m.id,
      title: m.title,
      amount: plainMoney(m.amount),
      dueDate: m.dueDate ?? null,
      status: m.status,
      submission: m.submission
        ? {
            note: m.submission.note ?? null,
            deliverables: [...(m.submission.deliverables ?? [])],
            at: iso(m.submission.at) as string,
          }
        : null,
      revisions: (m.revisions ?? []).map((r) => ({ note: r.note, at: iso(r.at) as string })),
      dispute: m.dispute
        ? {
            disputeId: m.dispute.disputeId,
            raisedBy: m.dispute.raisedBy,
            reason: m.dispute.reason,
            at: iso(m.dispute.at) as string,
          }
        : null,
      platformFee: m.platformFee ? plainMoney(m.platformFee) : null,
      fundedAt: iso(m.fundedAt),
      submittedAt: iso(m.submittedAt),
      approvedAt: iso(m.approvedAt),
      releasedAt: iso(m.releasedAt),
      disputedAt: iso(m.disputedAt),
    })),
    hirerSignedAt: iso(c.hirerSignedAt),
    workerSignedAt: iso(c.workerSignedAt),
    activatedAt: iso(c.activatedAt),
    completedAt: iso(c.completedAt),
    cancelledAt: iso(c.cancelledAt),
    cancellation: c.cancellation
      ? {
          by: c.cancellation.by,
          reason: c.cancellation.reason ?? null,
          mutual: Boolean(c.cancellation.mutual),
          refundableMilestoneIds: [...(c.cancellation.refundableMilestoneIds ?? [])],
        }
      : null,
    cancellationRequest: c.cancellationRequest
      ? {
          by: c.cancellationRequest.by,
          reason: c.cancellationRequest.reason ?? null,
          at: iso(c.cancellationRequest.at) as string,
        }
      : null,
    version: c.version ?? 0,
    createdAt: iso(c.createdAt) as string,
    updatedAt: iso(c.updatedAt) as string,
  }
}

/** The default terms: the job description and the worker's proposal, within the length limit. */
export function defaultTerms(jobDescription: string, coverLetter: string): string {
  return `${jobDescription}\n\nProposal: ${coverLetter}`.slice(0, TERMS_MAX)
}

/** The contract use cases (module header). */
export class Contracts {
  readonly #d: ContractsDeps

  constructor(deps: ContractsDeps) {
    this.#d = deps
  }

  // ── the hire ──────────────────────────────────────────────────────────────────────────────────

  /**
   * The job's hirer accepts an application: creates its contract (`pending_signatures`), then
   * runs the follow-ups ({@link completeHire}).
   *
   * @throws ApplicationNotFound (404) for an unknown application or one of another hirer's job;
   *   JobNotOpen (409) when the job is not open; ApplicationAlreadyHired (409) when it already
   *   has a contract (or won a racing accept); IllegalApplicationTransition (409) when it is
   *   rejected or withdrawn; PositionFilled (409) when every opening is taken; InvalidMilestones
   *   (400 naming `milestones…`)
   */
  async accept(
    caller: Caller,
    applicationId: string,
    input: AcceptInput,
    ctx: EventContext,
  ): Promise<ContractView> {
    const { Application, Job, Contract } = this.#d
    const application = await Application.findById(applicationId).lean<ApplicationDoc>()
    if (!application || application.hirerId !== caller.sub) throw new ApplicationNotFound(applicationId)
    const job = await Job.findById(application.jobId).lean<JobDoc>()
    if (!job || job.hirerId !== caller.sub) throw new JobNotFound(String(application.jobId))
    if (application.status === 'accepted') throw new ApplicationAlreadyHired()
    assertApplicationTransition(application.status, 'accepted')
    if (job.status !== 'open') throw new JobNotOpen(job.status)

    const now = this.#d.now()
    const planned = planMilestones({
      bid: application.bid,
      jobTitle: job.title,
      drafts: input.milestones,
      now,
    })
    const contractId = new Types.ObjectId()
    const base = {
      _id: contractId,
      jobId: job._id,
      applicationId: application._id,
      hirerId: application.hirerId,
      workerId: application.workerId,
      title: job.title,
      terms: input.terms ?? defaultTerms(job.description, application.coverLetter),
      total: plainMoney(application.bid),
      milestones: planned.map((m): MilestoneDoc => ({
        id: new Types.ObjectId().toHexString(),
        title: m.title,
        amount: m.amount,
        dueDate: m.dueDate,
        status: 'pending',
        submission: null,
        revisions: [],
        dispute: null,
        paymentIntentId: null,
        platformFee: null,
        fundedAt: null,
        submittedAt: null,
        approvedAt: null,
        releasedAt: null,
        disputedAt: null,
      })),
      status: 'pending_signatures' as const,
      version: 0,
    }
    const outbox = toOutbox([contractCreated(base, ctx)])

    // The claim: the first free opening. A duplicate key on applicationId means the application
    // is taken (409); on hireSlot, that opening is taken — try the next one.
    let claimed: ContractDoc | undefined
    for (let n = 0; n < Math.max(1, job.openings ?? 1) && !claimed; n++) {
      const doc = {
        ...base,
        hireSlot: `${String(job._id)}:${n}`,
        hirerSignedAt: null,
        workerSignedAt: null,
        activatedAt: null,
        completedAt: null,
        cancelledAt: null,
        cancellation: null,
        cancellationRequest: null,
        settledVersion: -1,
        createdAt: now,
        updatedAt: now,
        outbox,
      }
      try {
        await Contract.collection.insertOne(doc)
        noteOutboxWrite(Contract, doc._id)
        claimed = doc
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err
        if (await Contract.exists({ applicationId: application._id })) throw new ApplicationAlreadyHired()
      }
    }
    if (!claimed) throw new PositionFilled()
    this.#d.kick()

    const contract = await this.completeHire(claimed, ctx, { application })
    if (contract.status === 'cancelled') {
      // The application was withdrawn or rejected between our read and the claim: the contract
      // was undone by completeHire; report the application's state as the conflict.
      const latest = await Application.findById(applicationId).lean<ApplicationDoc>()
      assertApplicationTransition(latest?.status ?? 'withdrawn', 'accepted')
      throw new ApplicationAlreadyHired()
    }
    return toContractView(contract)
  }

  /**
   * The follow-ups of a hire, idempotent (run after the claim and again on `ContractCreated`):
   * the application becomes `accepted` (`ApplicationAccepted`); if it was withdrawn or rejected
   * meanwhile, the contract is cancelled instead (it never had a chance to be signed); then the
   * job is brought in line ({@link syncJob}).
   *
   * @param contractOrId - the contract (as just written) or its id
   * @param known - the application as read before the claim (saves a round trip; re-read when stale)
   * @returns the contract as it stands afterwards
   * @throws ContractNotFound when the contract does not exist
   */
  async completeHire(
    contractOrId: string | ContractDoc,
    ctx: EventContext,
    known: { application?: ApplicationDoc } = {},
  ): Promise<ContractDoc> {
    const { Application, Contract } = this.#d
    let contract =
      typeof contractOrId === 'string'
        ? await Contract.findById(contractOrId).lean<ContractDoc>()
        : contractOrId
    if (!contract) throw new ContractNotFound(String(contractOrId))
    const contractId = String(contract._id)
    if (contract.status !== 'cancelled') {
      const application =
        known.application ?? (await Application.findById(contract.applicationId).lean<ApplicationDoc>())
      let status = application?.status
      if (application && ACTIVE_APPLICATION_STATUSES.includes(application.status)) {
        const res = await Application.updateOne(
          { _id: application._id, status: { $in: ACTIVE_APPLICATION_STATUSES } },
          withOutbox({ $set: { status: 'accepted', rejectionReason: null }, $inc: { version: 1 } }, [
            applicationAccepted(application, contractId, ctx),
          ]),
        )
        if (res.modifiedCount === 1) {
          this.#d.kick()
          status = 'accepted'
        } else {
          status = (await Application.findById(contract.applicationId).lean<ApplicationDoc>())?.status
        }
      }
      if (status !== 'accepted' && contract.status === 'pending_signatures') {
        contract = await this.#change(contractId, (c) =>
          c.status === 'pending_signatures'
            ? this.#cancelChange(c, c.hirerId, [], false, `application_${status ?? 'deleted'}`, ctx)
            : null,
        )
      }
    }
    await this.syncJob(String(contract.jobId), ctx)
    await this.#markSettled(contract)
    return contract
  }

  /**
   * The repair path (`ContractCreated` / `ContractSigned` / `ContractCompleted` /
   * `ContractCancelled` consumed by this service): re-run the follow-ups unless the contract says
   * they already ran for its current version (`settledVersion`), which is the normal case — the
   * request that made the change ran them inline. Costs one read when there is nothing to heal.
   *
   * @throws ContractNotFound when the contract does not exist
   */
  async heal(contractId: string, ctx: EventContext): Promise<'settled' | 'healed'> {
    const contract = await this.#d.Contract.findById(contractId).lean<ContractDoc>()
    if (!contract) throw new ContractNotFound(contractId)
    if ((contract.settledVersion ?? -1) >= contract.version) return 'settled'
    await this.completeHire(contract, ctx)
    return 'healed'
  }

  /**
   * Bring a job in line with its contracts, idempotently: `hiredCount` = contracts holding an
   * opening (not cancelled); when every opening is held, the other pending/shortlisted
   * applications are rejected (`position_filled`); the status follows
   * `domain/contract.ts#jobStatusAfterContracts` (`JobUpdated` on a change).
   */
  async syncJob(jobId: string, ctx: EventContext): Promise<void> {
    const { Job, Contract, Application } = this.#d
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const job = await Job.findById(jobId).lean<JobDoc>()
      if (!job) return
      const contracts = await Contract.find({ jobId: job._id }, { status: 1, applicationId: 1 }).lean<
        Pick<ContractDoc, 'status' | 'applicationId'>[]
      >()
      const holding = contracts.filter((c) => c.status !== 'cancelled')
      if (holding.length >= (job.openings ?? 1)) {
        const hired = holding.map((c) => c.applicationId)
        const others = await Application.find({
          jobId: job._id,
          status: { $in: ACTIVE_APPLICATION_STATUSES },
          _id: { $nin: hired },
        }).lean<ApplicationDoc[]>()
        for (const a of others) {
          const res = await Application.updateOne(
            { _id: a._id, status: { $in: ACTIVE_APPLICATION_STATUSES } },
            withOutbox(
              { $set: { status: 'rejected', rejectionReason: 'position_filled' }, $inc: { version: 1 } },
              [applicationRejected(a, 'position_filled', ctx)],
            ),
          )
          if (res.modifiedCount === 1) this.#d.kick()
        }
      }
      const next = jobStatusAfterContracts(
        job.status,
        contracts.map((c) => c.status),
      )
      if (next) assertJobTransition(job.status, next)
      const set: Record<string, unknown> = {}
      if ((job.hiredCount ?? 0) !== holding.length) set.hiredCount = holding.length
      if (next) set.status = next
      if (Object.keys(set).length === 0) return
      const events = next ? [jobUpdated(job, next, ['status'], ctx)] : []
      const res = await Job.updateOne(
        { _id: job._id, version: job.version ?? 0 },
        withOutbox({ $set: set, $inc: { version: 1 } }, events),
      )
      if (res.modifiedCount === 1) {
        if (events.length > 0) this.#d.kick()
        return
      }
    }
    throw new ConcurrentUpdate('job')
  }

  // ── reading ───────────────────────────────────────────────────────────────────────────────────

  /**
   * One contract, for its parties (and admins, who resolve disputes).
   *
   * @throws ContractNotFound (404) for an unknown id or a third party
   */
  async get(caller: Caller, contractId: string): Promise<ContractView> {
    return toContractView(await this.#visible(caller, contractId))
  }

  /**
   * The caller's contracts, newest first (`createdAt desc, _id desc`), optionally only where the
   * caller is `role`, and only in `status`.
   *
   * @throws BadRequest (400 naming `cursor`) for a cursor this list did not make
   */
  async list(caller: Caller, q: ListInput): Promise<{ items: ContractView[]; nextCursor: string | null }> {
    const limit = q.limit ?? 20
    const mine: QueryFilter<ContractDoc> =
      q.role === 'hirer'
        ? { hirerId: caller.sub }
        : q.role === 'worker'
          ? { workerId: caller.sub }
          : { $or: [{ hirerId: caller.sub }, { workerId: caller.sub }] }
    const and: QueryFilter<ContractDoc>[] = [mine]
    if (q.status) and.push({ status: q.status })
    const position = decodeTypedCursor(q.cursor, ['date', 'id'])
    if (position)
      and.push(
        afterPosition('createdAt', position, { toKey: toDate, toId: toObjectId }) as QueryFilter<ContractDoc>,
      )
    const rows = await this.#d.Contract.find({ $and: and })
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit + 1)
      .lean<ContractDoc[]>()
    const page = pageOf(rows, limit, (c) => [new Date(c.createdAt).toISOString(), String(c._id)])
    return { items: page.items.map(toContractView), nextCursor: page.nextCursor }
  }

  // ── signing ───────────────────────────────────────────────────────────────────────────────────

  /**
   * A party signs. The second signature activates the contract (`ContractSigned`) and moves the
   * job to `in_progress` (from `open`; a job already in progress stays so).
   *
   * @throws ContractNotFound (404) for a third party; AlreadySigned (409) on a second signature by
   *   the same party (also the loser of two concurrent ones); IllegalContractTransition (409)
   *   when the contract no longer awaits signatures
   */
  async sign(caller: Caller, contractId: string, ctx: EventContext): Promise<ContractView> {
    const visible = await this.#visible(caller, contractId)
    const party = this.#partyOrHide(visible, caller)
    const contract = await this.#change(
      contractId,
      (c) => {
        const now = this.#d.now()
        const next = sign(c, party, now)
        const set: Record<string, unknown> = {
          hirerSignedAt: next.hirerSignedAt,
          workerSignedAt: next.workerSignedAt,
          status: next.status,
        }
        if (next.activated) set.activatedAt = now
        return { set, events: next.activated ? [contractSigned(c, ctx)] : [] }
      },
      { firstRead: visible },
    )
    if (contract.status === 'active') {
      await this.syncJob(String(contract.jobId), ctx)
      await this.#markSettled(contract)
    }
    return toContractView(contract)
  }

  // ── milestone work ────────────────────────────────────────────────────────────────────────────

  /**
   * The worker submits a funded milestone, or resubmits one after a revision request
   * (`MilestoneSubmitted`).
   *
   * @throws ContractNotFound / MilestoneNotFound (404); NotYourStep (403) for the hirer;
   *   ContractNotActive (409); IllegalMilestoneTransition (409) naming the states; BadRequest
   *   (400 naming `deliverables`) when neither a note nor a deliverable is given
   */
  async submit(
    caller: Caller,
    contractId: string,
    milestoneId: string,
    input: { note?: string; deliverables?: string[] },
    ctx: EventContext,
  ): Promise<ContractView> {
    const deliverables = input.deliverables ?? []
    if (!input.note && deliverables.length === 0) {
      throw withFields(new InvalidMilestones('a submission needs a note or at least one deliverable'), [
        { field: 'deliverables', message: 'give at least one link to the work, or a note', in: 'body' },
      ])
    }
    return this.#milestoneStep(caller, contractId, milestoneId, 'worker', 'submit work', (c, m, now) => {
      assertMilestoneTransition(m.status, 'submitted')
      const next: MilestoneDoc = {
        ...m,
        status: 'submitted',
        submission: { note: input.note ?? null, deliverables, at: now },
        submittedAt: now,
      }
      return { milestone: next, events: [milestoneSubmitted(c, next, input.note ?? null, ctx)] }
    })
  }

  /**
   * The hirer approves a submitted milestone (`MilestoneApproved` with its amount: the payment
   * service releases the escrow, and its `PaymentReleased` marks it released).
   *
   * @throws ContractNotFound / MilestoneNotFound (404); NotYourStep (403) for the worker;
   *   ContractNotActive (409); IllegalMilestoneTransition (409)
   */
  async approve(
    caller: Caller,
    contractId: string,
    milestoneId: string,
    ctx: EventContext,
  ): Promise<ContractView> {
    return this.#milestoneStep(caller, contractId, milestoneId, 'hirer', 'approve work', (c, m, now) => {
      assertMilestoneTransition(m.status, 'approved')
      const next: MilestoneDoc = { ...m, status: 'approved', approvedAt: now }
      return { milestone: next, events: [milestoneApproved(c, next, ctx)] }
    })
  }

  /**
   * The hirer asks for changes to a submitted milestone; the worker resubmits.
   *
   * @throws as {@link approve}
   */
  async requestRevision(
    caller: Caller,
    contractId: string,
    milestoneId: string,
    note: string,
    _ctx: EventContext,
  ): Promise<ContractView> {
    return this.#milestoneStep(
      caller,
      contractId,
      milestoneId,
      'hirer',
      'request a revision',
      (_c, m, now) => {
        assertMilestoneTransition(m.status, 'revision_requested')
        const next: MilestoneDoc = {
          ...m,
          status: 'revision_requested',
          revisions: [...(m.revisions ?? []), { note, at: now }],
        }
        return { milestone: next, events: [] }
      },
    )
  }

  // ── cancelling ────────────────────────────────────────────────────────────────────────────────

  /**
   * A party cancels (rules in `domain/contract.ts`): the contract is cancelled
   * (`ContractCancelled` with the refundable milestones; its opening is freed and the job brought
   * in line), or — the hirer while money is in escrow — a cancellation request is recorded for
   * the worker to agree to.
   *
   * @throws ContractNotFound (404); IllegalContractTransition / CancellationNotAllowed (409)
   */
  async cancel(
    caller: Caller,
    contractId: string,
    reason: string | undefined,
    ctx: EventContext,
  ): Promise<CancelOutcome> {
    const visible = await this.#visible(caller, contractId)
    const party = this.#partyOrHide(visible, caller)
    let outcome: CancelOutcome['outcome'] = 'cancelled'
    const contract = await this.#change(
      contractId,
      (c) => {
        const decision = decideCancellation(c, party)
        if (decision.kind === 'request') {
          outcome = 'requested'
          return {
            set: { cancellationRequest: { by: caller.sub, reason: reason ?? null, at: this.#d.now() } },
            events: [],
          }
        }
        outcome = 'cancelled'
        return this.#cancelChange(
          c,
          caller.sub,
          decision.refundableMilestoneIds,
          decision.mutual,
          reason ?? null,
          ctx,
        )
      },
      { firstRead: visible },
    )
    if (outcome === 'cancelled') {
      await this.syncJob(String(contract.jobId), ctx)
      await this.#markSettled(contract)
    }
    return { contract: toContractView(contract), outcome }
  }

  // ── payment facts (consumed events) ───────────────────────────────────────────────────────────

  /**
   * Record a payment fact — `EscrowFunded` (→ funded), `PaymentReleased` (→ released; the last
   * release completes the contract: `ContractCompleted`, then the job may complete) or
   * `DisputeRaised` (→ disputed). Idempotent: a milestone already in or past the fact's state is
   * left alone.
   *
   * @throws NonRetryableError (→ DLQ at once) for an unknown contract or milestone, an amount or
   *   currency that differs from the milestone's, a contract that is not active, or a fact that
   *   contradicts the milestone's state (e.g. a release nobody approved): each means a bug or a
   *   lost event upstream, which retrying cannot fix and an operator must see (money is involved,
   *   so it is never dropped silently)
   */
  async recordPaymentFact(
    event: EventOf<'EscrowFunded'> | EventOf<'PaymentReleased'> | EventOf<'DisputeRaised'>,
    log: FastifyBaseLogger,
  ): Promise<void> {
    const { contractId, milestoneId } = event.data
    const fact: PaymentFact =
      event.type === 'EscrowFunded' ? 'funded' : event.type === 'PaymentReleased' ? 'released' : 'disputed'
    const ctx: EventContext = {
      causationId: event.id,
      ...(event.correlationId ? { correlationId: event.correlationId } : {}),
    }
    if (!Types.ObjectId.isValid(contractId) || !/^[0-9a-f]{24}$/i.test(contractId)) {
      throw new NonRetryableError(`${event.type} names contract ${contractId}, which is not a contract id`)
    }
    let completed = false
    const contract = await this.#change(
      contractId,
      (c) => {
        const index = c.milestones.findIndex((m) => m.id === milestoneId)
        const m = c.milestones[index]
        if (!m)
          throw new NonRetryableError(`${event.type}: contract ${contractId} has no milestone ${milestoneId}`)
        const outcome = paymentFactOutcome(m.status, fact)
        if (outcome === 'noop') {
          log.info(
            { contractId, milestoneId, status: m.status, fact },
            'payment fact already recorded; nothing to do',
          )
          return null
        }
        if (outcome === 'reject') {
          throw new NonRetryableError(
            `${event.type}: milestone ${milestoneId} is ${m.status}; it cannot become ${fact}`,
          )
        }
        if (c.status !== 'active') {
          throw new NonRetryableError(`${event.type}: contract ${contractId} is ${c.status}, not active`)
        }
        if (
          'amount' in event.data &&
          (event.data.amount.amountMinor !== m.amount.amountMinor ||
            event.data.amount.currency !== m.amount.currency)
        ) {
          throw new NonRetryableError(
            `${event.type}: amount ${event.data.amount.amountMinor} ${event.data.amount.currency} differs from milestone ${milestoneId} (${m.amount.amountMinor} ${m.amount.currency})`,
          )
        }
        const now = this.#d.now()
        let next: MilestoneDoc
        if (event.type === 'EscrowFunded') {
          next = {
            ...m,
            status: 'funded',
            fundedAt: now,
            paymentIntentId: event.data.paymentIntentId ?? null,
          }
        } else if (event.type === 'PaymentReleased') {
          next = {
            ...m,
            status: 'released',
            releasedAt: now,
            platformFee: plainMoney(event.data.platformFee),
          }
        } else {
          next = {
            ...m,
            status: 'disputed',
            disputedAt: now,
            dispute: {
              disputeId: event.data.disputeId,
              raisedBy: event.data.raisedBy,
              reason: event.data.reason,
              at: now,
            },
          }
        }
        const milestones = c.milestones.map((x, i) => (i === index ? next : x))
        const set: Record<string, unknown> = { milestones }
        const events: DomainEvent[] = []
        completed = allReleased(milestones)
        if (completed) {
          set.status = 'completed'
          set.completedAt = now
          events.push(contractCompleted(c, ctx))
        }
        return { set, events }
      },
      {
        missing: () =>
          new NonRetryableError(`${event.type} names contract ${contractId}, which does not exist here`),
      },
    )
    if (completed && contract.status === 'completed') {
      await this.syncJob(String(contract.jobId), ctx)
      await this.#markSettled(contract)
    }
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────────

  /** The contract if the caller may see it (a party, or an admin). @throws ContractNotFound (404) */
  async #visible(caller: Caller, contractId: string): Promise<ContractDoc> {
    const contract = await this.#d.Contract.findById(contractId).lean<ContractDoc>()
    if (!contract || (caller.role !== 'admin' && !partyOf(contract, caller.sub)))
      throw new ContractNotFound(contractId)
    return contract
  }

  /** The caller's side; admins (who may read) are not parties. @throws ContractNotFound (404) */
  #partyOrHide(contract: ContractDoc, caller: Caller): Party {
    const party = partyOf(contract, caller.sub)
    if (!party) throw new ContractNotFound(String(contract._id))
    return party
  }

  /**
   * Record that the follow-ups of `contract` at its current version are done, so the repair
   * handler can skip it. Not a contract change: `version` stays (no optimistic-concurrency
   * conflict with real changes); `$lt` keeps the mark monotonic.
   */
  async #markSettled(contract: Pick<ContractDoc, '_id' | 'version'>): Promise<void> {
    await this.#d.Contract.updateOne(
      { _id: contract._id, settledVersion: { $lt: contract.version } },
      { $set: { settledVersion: contract.version } },
      { timestamps: false },
    )
  }

  /** The `set` that cancels `c`: status, freed opening, cancellation record, `ContractCancelled`. */
  #cancelChange(
    c: ContractDoc,
    by: string,
    refundableMilestoneIds: string[],
    mutual: boolean,
    reason: string | null,
    ctx: EventContext,
  ): ContractChange {
    return {
      set: {
        status: 'cancelled',
        cancelledAt: this.#d.now(),
        // Frees the opening: the unique index no longer sees "<jobId>:<n>" on this contract.
        hireSlot: `freed:${String(c._id)}`,
        cancellation: { by, reason, mutual, refundableMilestoneIds },
      },
      events: [contractCancelled(c, by, refundableMilestoneIds, reason, ctx)],
    }
  }

  /** One milestone step by one party on an active contract. */
  async #milestoneStep(
    caller: Caller,
    contractId: string,
    milestoneId: string,
    who: Party,
    what: string,
    step: (c: ContractDoc, m: MilestoneDoc, now: Date) => { milestone: MilestoneDoc; events: DomainEvent[] },
  ): Promise<ContractView> {
    const visible = await this.#visible(caller, contractId)
    const party = this.#partyOrHide(visible, caller)
    if (!visible.milestones.some((m) => m.id === milestoneId)) throw new MilestoneNotFound(milestoneId)
    if (party !== who) throw new NotYourStep(who, what)
    const contract = await this.#change(
      contractId,
      (c) => {
        assertActive(c.status)
        const index = c.milestones.findIndex((m) => m.id === milestoneId)
        const m = c.milestones[index]
        if (!m) throw new MilestoneNotFound(milestoneId)
        const { milestone, events } = step(c, m, this.#d.now())
        return { set: { milestones: c.milestones.map((x, i) => (i === index ? milestone : x)) }, events }
      },
      { firstRead: visible },
    )
    return toContractView(contract)
  }

  /**
   * Read the contract, let `decide` compute the change (or null: nothing to do), and write it with
   * its events under the `{_id, version}` guard; on a lost race read and decide again.
   *
   * @returns the contract after the change (or as read, when there was nothing to do)
   * @throws what `decide` throws; ContractNotFound (or `missing()`); ConcurrentUpdate (409) after
   *   {@link MAX_ATTEMPTS} lost races
   */
  async #change(
    contractId: string,
    decide: (c: ContractDoc) => ContractChange | null,
    opts: { missing?: () => Error; firstRead?: ContractDoc } = {},
  ): Promise<ContractDoc> {
    const { Contract } = this.#d
    const missing = opts.missing ?? (() => new ContractNotFound(contractId))
    // The caller's own read (a fresh one) saves a round trip on the first attempt; FerretDB
    // round trips are the cost that matters here.
    let current: ContractDoc | null | undefined = opts.firstRead
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      current ??= await Contract.findById(contractId).lean<ContractDoc>()
      if (!current) throw missing()
      const change = decide(current)
      if (!change) return current
      const updatedAt = this.#d.now()
      const res = await Contract.updateOne(
        { _id: current._id, version: current.version },
        withOutbox({ $set: { ...change.set, updatedAt }, $inc: { version: 1 } }, change.events),
      )
      if (res.modifiedCount === 1) {
        if (change.events.length > 0) this.#d.kick()
        // What was written, without reading it back (the outbox is not part of any view).
        return { ...current, ...change.set, updatedAt, version: current.version + 1 } as ContractDoc
      }
      current = undefined
    }
    throw new ConcurrentUpdate('contract')
  }
}
