/**
 * The contract state machine and its rules — signing, cancelling, completing, and what each does
 * to the job — in one pure module:
 *
 * ```
 *                      both parties signed              every milestone settled, one released
 * pending_signatures ─────────────────────▶ active ──────────────────────────────────────▶ completed
 *         │                                   │
 *         └──────────────▶ cancelled ◀────────┘   (rules below)
 * ```
 *
 * **Signing.** The hirer and the worker each sign once (a second signature by the same party is a
 * 409). The second signature makes the contract `active`; only then may milestones be funded and
 * worked on.
 *
 * **Cancelling** (modelled on Upwork's "end contract" and escrow-refund rules):
 * - `pending_signatures`: either party may cancel — the hirer withdraws the offer, the worker
 *   declines it. No money has moved.
 * - `active`, while a milestone is `approved` (its payment is being released) or `disputed` (an
 *   admin decides where its escrow goes): nobody may cancel — wait for the payment or the ruling.
 *   A `released` or `refunded` milestone is settled and blocks nothing.
 * - `active`, by the **worker**: at any other time. The worker walks away from the unpaid work;
 *   every funded, unreleased milestone is refunded to the hirer.
 * - `active`, by the **hirer**: at once when no milestone holds escrow (all `pending`,
 *   `released` or `refunded`). When money is in escrow (a milestone `funded`, `submitted` or
 *   `revision_requested`), the hirer's cancel is only a **request** (`cancellationRequest`); it
 *   takes effect when the worker agrees by cancelling too (mutual agreement), so a hirer cannot
 *   claw back escrow for work the worker has done without the worker's consent (the worker's
 *   remedy otherwise is a dispute through the payment service).
 * - `completed` and `cancelled` are final.
 *
 * `ContractCancelled.refundableMilestoneIds` lists the funded, unsettled milestones; the payment
 * service refunds them and says so with `RefundIssued` (each becomes `refunded` on the cancelled
 * contract).
 *
 * **Completion** ({@link completesContract}). The payment fact that settles the last unsettled
 * milestone (`PaymentReleased` → `released`, or a refund → `refunded`) completes an active
 * contract in the same write (`ContractCompleted`) — provided at least one milestone was
 * released: work was paid for. When every milestone ends `refunded` (all disputes decided for
 * the hirer), nothing was delivered and paid, so the contract is **not** completed: it stays
 * `active` with nothing left in escrow, and either party may cancel it at once (no milestone
 * blocks a cancel and none is refundable), which frees the opening and reopens the job.
 *
 * **The job** ({@link jobStatusAfterContracts}): the first active contract moves an `open` job to
 * `in_progress`; when no contract of the job is active or awaiting signatures any more, an
 * `in_progress` job is `completed` if at least one contract completed, and goes back to `open`
 * (hire someone else) if all were cancelled. The cancelled contract's opening is freed.
 */
import type { JobStatus } from './job-status.js'
import {
  AlreadySigned,
  CancellationNotAllowed,
  ContractNotActive,
  IllegalContractTransition,
} from '../errors.js'
import { ESCROWED_STATUSES, SETTLED_STATUSES, type MilestoneStatus } from './milestone.js'

/** Every status a contract may have. */
export const CONTRACT_STATUSES = ['pending_signatures', 'active', 'completed', 'cancelled'] as const

/** A contract's status. */
export type ContractStatus = (typeof CONTRACT_STATUSES)[number]

/** Legal moves: `from → [to…]`. */
export const CONTRACT_TRANSITIONS: Readonly<Record<ContractStatus, readonly ContractStatus[]>> = {
  pending_signatures: ['active', 'cancelled'],
  active: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
}

/** Statuses of contracts still running (they hold an opening of the job). */
export const LIVE_CONTRACT_STATUSES: readonly ContractStatus[] = ['pending_signatures', 'active']

/** The two sides of a contract. */
export type Party = 'hirer' | 'worker'

/** True when a contract may move from `from` to `to`. */
export function canContractTransition(from: ContractStatus, to: ContractStatus): boolean {
  return CONTRACT_TRANSITIONS[from].includes(to)
}

/**
 * Check a move.
 *
 * @throws IllegalContractTransition (409, `JOB_ERR_CONTRACT_ILLEGAL_TRANSITION`) naming both states
 */
export function assertContractTransition(from: ContractStatus, to: ContractStatus): void {
  if (!canContractTransition(from, to)) throw new IllegalContractTransition(from, to)
}

/** Which side `userId` is on, or null for a third party. */
export function partyOf(contract: { hirerId: string; workerId: string }, userId: string): Party | null {
  if (contract.hirerId === userId) return 'hirer'
  if (contract.workerId === userId) return 'worker'
  return null
}

/** The signing state of a contract. */
export interface SigningState {
  status: ContractStatus
  hirerSignedAt: Date | null
  workerSignedAt: Date | null
}

/**
 * `party` signs at `at`.
 *
 * @returns the new signing state; `activated` is true when this was the second signature
 * @throws IllegalContractTransition (409) when the contract no longer awaits signatures;
 *   AlreadySigned (409) when this party signed before
 */
export function sign(state: SigningState, party: Party, at: Date): SigningState & { activated: boolean } {
  if (state.status !== 'pending_signatures') throw new IllegalContractTransition(state.status, 'active')
  const key = party === 'hirer' ? 'hirerSignedAt' : 'workerSignedAt'
  if (state[key]) throw new AlreadySigned()
  const next = { ...state, [key]: at }
  const activated = Boolean(next.hirerSignedAt && next.workerSignedAt)
  return { ...next, status: activated ? 'active' : 'pending_signatures', activated }
}

/**
 * Milestone work (submit, approve, request a revision) happens only on an active contract.
 *
 * @throws ContractNotActive (409) naming the contract's status
 */
export function assertActive(status: ContractStatus): void {
  if (status !== 'active') throw new ContractNotActive(status)
}

/** A pending cancellation request (the hirer asked while money was in escrow). */
export interface CancellationRequest {
  by: string
  reason?: string | null
  at: Date
}

/** What a cancel call does, decided by {@link decideCancellation}. */
export type CancellationDecision =
  { kind: 'cancel'; refundableMilestoneIds: string[]; mutual: boolean } | { kind: 'request' }

/**
 * Decide what `party`'s cancel does to a contract (rules in this module's header).
 *
 * @throws IllegalContractTransition (409) when the contract is completed or cancelled;
 *   CancellationNotAllowed (409) while a milestone is approved or disputed, or when the hirer
 *   repeats a pending request
 */
export function decideCancellation(
  contract: {
    status: ContractStatus
    milestones: readonly { id: string; status: MilestoneStatus }[]
    cancellationRequest?: CancellationRequest | null
  },
  party: Party,
): CancellationDecision {
  assertContractTransition(contract.status, 'cancelled')
  if (contract.status === 'pending_signatures')
    return { kind: 'cancel', refundableMilestoneIds: [], mutual: false }
  const blocking = contract.milestones.find((m) => m.status === 'approved' || m.status === 'disputed')
  if (blocking) {
    throw new CancellationNotAllowed(
      `milestone ${blocking.id} is ${blocking.status}; wait until its payment is released or its dispute is resolved`,
    )
  }
  const refundableMilestoneIds = contract.milestones
    .filter((m) => ESCROWED_STATUSES.includes(m.status))
    .map((m) => m.id)
  if (party === 'worker') {
    return { kind: 'cancel', refundableMilestoneIds, mutual: Boolean(contract.cancellationRequest) }
  }
  if (refundableMilestoneIds.length === 0) return { kind: 'cancel', refundableMilestoneIds, mutual: false }
  if (contract.cancellationRequest) {
    throw new CancellationNotAllowed('you already asked; the worker must agree by cancelling too')
  }
  return { kind: 'request' }
}

/**
 * True when these milestones complete their contract: every one is settled (`released` or
 * `refunded`) and at least one was `released` (rules in this module's header).
 */
export function completesContract(milestones: readonly { status: MilestoneStatus }[]): boolean {
  return (
    milestones.length > 0 &&
    milestones.every((m) => SETTLED_STATUSES.includes(m.status)) &&
    milestones.some((m) => m.status === 'released')
  )
}

/**
 * The status a job should have given the statuses of all its contracts, or null to leave it.
 * Only moves the job's state machine allows are proposed (`open → in_progress`,
 * `in_progress → completed | open`); a draft, closed, cancelled or completed job is left alone.
 *
 * - some contract active → `in_progress` (from `open`);
 * - `in_progress`, none active or awaiting signatures → `completed` when one completed, else
 *   `open` (every contract was cancelled: the hirer may hire again);
 * - `in_progress`, none active but one awaiting signatures → `open` unless one completed (then it
 *   stays `in_progress` until the pending one is signed or cancelled).
 */
export function jobStatusAfterContracts(
  job: JobStatus,
  contracts: readonly ContractStatus[],
): JobStatus | null {
  const active = contracts.includes('active')
  const pending = contracts.includes('pending_signatures')
  const completed = contracts.includes('completed')
  if (job === 'open') return active ? 'in_progress' : null
  if (job !== 'in_progress' || active) return null
  if (completed) return pending ? null : 'completed'
  return 'open'
}
