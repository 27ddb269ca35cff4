/**
 * The hire's decisions: the contract an accepted application becomes ({@link newContract}), the
 * opening it claims ({@link hireSlot}), and what the job's contracts make of the job
 * ({@link jobAfterContracts}, {@link everyOpeningHeld}), and which applications a filled job
 * rejects ({@link positionFilledExcept}). Pure; `services/hiring.ts` reads and writes.
 */
import type { EventContext } from '@kelmah/contracts'
import type { Decision } from '@kelmah/service-kit'
import { Types } from 'mongoose'
import { jobUpdated } from '../events/publishers.js'
import type { ApplicationDoc } from '../models/application.js'
import type { ContractDoc, MilestoneDoc } from '../models/contract.js'
import type { JobDoc } from '../models/job.js'
import { jobStatusAfterContracts, type ContractStatus } from './contract.js'
import { assertJobTransition } from './job-status.js'
import { planMilestones, type MilestoneDraft } from './milestone.js'

/** The longest contract terms (characters). */
export const TERMS_MAX = 10_000

/** The default terms: the job description and the worker's proposal, within the length limit. */
export function defaultTerms(jobDescription: string, coverLetter: string): string {
  return `${jobDescription}\n\nProposal: ${coverLetter}`.slice(0, TERMS_MAX)
}

/** The unique key of opening `n` of job `jobId` (the hire's commit point). */
export function hireSlot(jobId: Types.ObjectId | string, n: number): string {
  return `${String(jobId)}:${n}`
}

/** The opening a cancelled contract no longer holds (so the unique index frees `<jobId>:<n>`). */
export function freedSlot(contractId: Types.ObjectId | string): string {
  return `freed:${String(contractId)}`
}

/** A new contract without its slot: what {@link newContract} returns. */
export type ContractDraft = Omit<ContractDoc, 'hireSlot' | 'outbox'>

/**
 * The contract `application` becomes, awaiting both signatures: the hirer's milestones or one for
 * the whole bid, the hirer's terms or the default ones.
 *
 * @throws InvalidMilestones (400 naming `milestones…`) — see `planMilestones`
 */
export function newContract(
  job: Pick<JobDoc, '_id' | 'title' | 'description'>,
  application: Pick<ApplicationDoc, '_id' | 'hirerId' | 'workerId' | 'bid' | 'coverLetter'>,
  input: { milestones?: MilestoneDraft[] | undefined; terms?: string | undefined },
  now: Date,
): ContractDraft {
  const planned = planMilestones({ bid: application.bid, jobTitle: job.title, drafts: input.milestones, now })
  return {
    _id: new Types.ObjectId(),
    jobId: job._id,
    applicationId: application._id,
    hirerId: application.hirerId,
    workerId: application.workerId,
    title: job.title,
    terms: input.terms ?? defaultTerms(job.description, application.coverLetter),
    total: { amountMinor: application.bid.amountMinor, currency: application.bid.currency },
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
      refundedAt: null,
      refund: null,
      resolution: null,
    })),
    status: 'pending_signatures',
    hirerSignedAt: null,
    workerSignedAt: null,
    activatedAt: null,
    completedAt: null,
    cancelledAt: null,
    cancellation: null,
    cancellationRequest: null,
    version: 0,
    settledVersion: -1,
    createdAt: now,
    updatedAt: now,
  }
}

/** The contracts holding an opening of the job (every one not cancelled). */
export function holdingContracts<C extends { status: ContractStatus }>(contracts: readonly C[]): C[] {
  return contracts.filter((c) => c.status !== 'cancelled')
}

/** True when the job's contracts hold every opening (the other applications are then rejected). */
export function everyOpeningHeld(
  job: Pick<JobDoc, 'openings'>,
  contracts: readonly { status: ContractStatus }[],
): boolean {
  return holdingContracts(contracts).length >= (job.openings ?? 1)
}

/**
 * The position-filled rule: once the job's contracts hold every opening, every other pending or
 * shortlisted application of the job is rejected (`position_filled`). Returns the applications
 * to spare — those holding an opening, whatever their own status reads yet — or null while an
 * opening is free (nothing is rejected). Run after each hire by the `ContractCreated` consumer
 * (`events/hiring-handlers.ts`), off the accept's request path.
 */
export function positionFilledExcept<C extends { status: ContractStatus; applicationId: Types.ObjectId }>(
  job: Pick<JobDoc, 'openings'>,
  contracts: readonly C[],
): Types.ObjectId[] | null {
  if (!everyOpeningHeld(job, contracts)) return null
  return holdingContracts(contracts).map((c) => c.applicationId)
}

/**
 * What the job's contracts make of the job: `hiredCount` = contracts holding an opening; the
 * status per `jobStatusAfterContracts` (`JobUpdated` naming `status` when it moves). Null when the
 * job already agrees.
 */
export function jobAfterContracts(
  job: JobDoc,
  contracts: readonly { status: ContractStatus }[],
  ctx: EventContext,
): Decision | null {
  const held = holdingContracts(contracts).length
  const next = jobStatusAfterContracts(
    job.status,
    contracts.map((c) => c.status),
  )
  if (next) assertJobTransition(job.status, next)
  const set: Record<string, unknown> = {}
  if ((job.hiredCount ?? 0) !== held) set.hiredCount = held
  if (next) set.status = next
  if (Object.keys(set).length === 0) return null
  return { set, events: next ? [jobUpdated(job, next, ['status'], ctx)] : [] }
}
