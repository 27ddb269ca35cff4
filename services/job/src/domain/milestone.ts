/**
 * The milestone state machine and the milestone plan of a new contract — the ONE place that
 * says which milestone moves are legal and who (or which event) makes them:
 *
 * ```
 *                      EscrowFunded          worker submits          hirer approves        PaymentReleased
 *            pending ───────────────▶ funded ───────────────▶ submitted ─────────────▶ approved ─────────────▶ released
 *                                       │                     ▲     │                       │
 *                                       │      worker resubmits│     │ hirer requests        │
 *                                       │                     │     ▼ a revision            │
 *                                       │                revision_requested                 │
 *                                       │                          │                        │
 *                                       └────────┬─────────────────┘  DisputeRaised (from funded, submitted,
 *                                                ▼                                  revision_requested)
 *                                            disputed ──── PaymentReleased (release, or the worker's part of a split) ──▶ released
 *                                                │
 *                                                └──── DisputeResolved "refund" / RefundIssued (whole) ──▶ refunded
 *
 *   funded, submitted, revision_requested, approved ──── RefundIssued (whole; a cancelled contract) ──▶ refunded
 * ```
 *
 * - `funded` comes only from the payment service's `EscrowFunded`, `released` only from its
 *   `PaymentReleased`, `disputed` only from its `DisputeRaised`, `refunded` only from its
 *   `RefundIssued` (`partial: false`) or a `DisputeResolved` with outcome `refund`: money facts
 *   are the payment service's to state; the job service records them.
 * - `released` and `refunded` are final (the milestone is **settled**).
 * - A dispute resolved `release` or `split` changes no status by itself: the `PaymentReleased`
 *   that follows (the worker's part, for a split) moves `disputed → released`; the hirer's part of
 *   a split arrives as `RefundIssued` with `partial: true` and is recorded on the milestone
 *   without a status change.
 * - A cancelled contract's escrowed milestones (`ContractCancelled.refundableMilestoneIds`) are
 *   refunded by the payment service, which says so with `RefundIssued`: accepted on a cancelled
 *   contract too.
 *
 * Pure: no I/O. Illegal moves throw `IllegalMilestoneTransition` (409 naming both states).
 */
import { MoneyError, moneyEquals, positiveMoney, sumMoney, type Money } from '@kelmah/contracts'
import { IllegalMilestoneTransition, InvalidMilestones, withFields, type FieldError } from '../errors.js'

/** Every status a milestone may have. */
export const MILESTONE_STATUSES = [
  'pending',
  'funded',
  'submitted',
  'revision_requested',
  'approved',
  'released',
  'disputed',
  'refunded',
] as const

/** A milestone's status. */
export type MilestoneStatus = (typeof MILESTONE_STATUSES)[number]

/** Legal moves: `from → [to…]`. */
export const MILESTONE_TRANSITIONS: Readonly<Record<MilestoneStatus, readonly MilestoneStatus[]>> = {
  pending: ['funded'],
  funded: ['submitted', 'disputed', 'refunded'],
  submitted: ['approved', 'revision_requested', 'disputed', 'refunded'],
  revision_requested: ['submitted', 'disputed', 'refunded'],
  approved: ['released', 'refunded'],
  released: [],
  disputed: ['released', 'refunded'],
  refunded: [],
}

/** Statuses whose amount sits in escrow: funded and neither released nor refunded. */
export const ESCROWED_STATUSES: readonly MilestoneStatus[] = [
  'funded',
  'submitted',
  'revision_requested',
  'approved',
  'disputed',
]

/** Final statuses: the milestone's money went to the worker (`released`) or back to the hirer (`refunded`). */
export const SETTLED_STATUSES: readonly MilestoneStatus[] = ['released', 'refunded']

/** True when a milestone may move from `from` to `to`. */
export function canMilestoneTransition(from: MilestoneStatus, to: MilestoneStatus): boolean {
  return MILESTONE_TRANSITIONS[from].includes(to)
}

/**
 * Check a move.
 *
 * @throws IllegalMilestoneTransition (409, `JOB_ERR_MILESTONE_ILLEGAL_TRANSITION`) naming both states
 */
export function assertMilestoneTransition(from: MilestoneStatus, to: MilestoneStatus): void {
  if (!canMilestoneTransition(from, to)) throw new IllegalMilestoneTransition(from, to)
}

/** A payment fact about a milestone that moves its status, as the payment service's events state it. */
export type PaymentFact = 'funded' | 'released' | 'disputed' | 'refunded'

/**
 * What an incoming payment fact does to a milestone in `status`:
 *
 * - `apply` — a legal move; record it.
 * - `noop` — the milestone is already in, or past, the state the fact leads to (a redelivered or
 *   duplicated event): nothing to do. E.g. `EscrowFunded` for a milestone already submitted.
 * - `reject` — the fact contradicts what we know (a release of a milestone nobody approved, a
 *   dispute of an unfunded one, a refund of released money, a release of refunded money): a bug
 *   or a lost event upstream. The handler dead-letters it so an operator sees it, rather than
 *   guessing.
 */
export function paymentFactOutcome(status: MilestoneStatus, fact: PaymentFact): 'apply' | 'noop' | 'reject' {
  if (canMilestoneTransition(status, fact)) return 'apply'
  if (status === fact) return 'noop'
  switch (fact) {
    case 'funded':
      // Every status but pending comes after funding.
      return 'noop'
    case 'released':
      // Not approved nor disputed; or refunded: the money went back to the hirer.
      return 'reject'
    case 'disputed':
      // A settled milestone's money is gone, an approved one's is being released: a dispute
      // arriving then lost a race upstream; recording it would freeze nothing. Pending: no escrow.
      return 'reject'
    case 'refunded':
      // Pending: nothing in escrow to refund. Released: the worker has the money.
      return 'reject'
  }
}

/**
 * What a `DisputeResolved` does to a milestone in `status`:
 *
 * - `refund` outcome on a `disputed` milestone → `apply` (it becomes `refunded`); `release` and
 *   `split` on a `disputed` one → `record` (the resolution is noted; `PaymentReleased` follows and
 *   moves it to `released`).
 * - a settled milestone (`released`, `refunded`) → `noop`: the money fact that follows the
 *   resolution arrived first, or this is a repeat.
 * - any other status → `reject`: no dispute was recorded here (a lost `DisputeRaised`).
 */
export function disputeResolutionOutcome(
  status: MilestoneStatus,
  outcome: 'release' | 'refund' | 'split',
): 'apply' | 'record' | 'noop' | 'reject' {
  if (SETTLED_STATUSES.includes(status)) return 'noop'
  if (status !== 'disputed') return 'reject'
  return outcome === 'refund' ? 'apply' : 'record'
}

/**
 * What a partial `RefundIssued` (the hirer's part of a split dispute) does to a milestone in
 * `status`: `record` on a `disputed` milestone (before its `PaymentReleased`) or a `released` one
 * (after it — the two facts may arrive in either order); `reject` otherwise (a split needs a
 * dispute, and a refunded milestone was refunded whole). It never changes the status.
 */
export function partialRefundOutcome(status: MilestoneStatus): 'record' | 'reject' {
  return status === 'disputed' || status === 'released' ? 'record' : 'reject'
}

/** A milestone as the hirer proposes it when accepting an application (request body). */
export interface MilestoneDraft {
  title: string
  /** Integer minor units of the bid's currency. */
  amountMinor: number
  /** ISO date (`YYYY-MM-DD`), optional. */
  dueDate?: string | null
}

/** A validated milestone of a new contract. */
export interface PlannedMilestone {
  title: string
  amount: Money
  /** ISO date (`YYYY-MM-DD`) or null. */
  dueDate: string | null
}

/** The UTC calendar date of `now` as `YYYY-MM-DD`. */
export function isoDay(now: Date): string {
  return now.toISOString().slice(0, 10)
}

/**
 * The milestones of a new contract: the hirer's `drafts`, or by default one milestone for the
 * whole bid titled after the job. Amounts are in the bid's currency, each a positive amount at
 * most the currency's ceiling (`@kelmah/contracts` `positiveMoney`: the most one Stripe charge
 * can fund), and must add up to the bid exactly (the contract total is the accepted bid; the sum
 * is checked to stay a safe integer); due dates may not be in the past (UTC).
 *
 * @param input.bid - the accepted application's bid; the contract's total and currency
 * @param input.jobTitle - title of the default milestone
 * @param input.drafts - the hirer's milestones, or undefined for the default
 * @param input.now - the clock
 * @throws InvalidMilestones (400) with `errors[]` naming `milestones` (sum, empty, a stored bid
 *   outside the money bounds) or `milestones.<i>.dueDate` / `milestones.<i>.amountMinor`
 */
export function planMilestones(input: {
  bid: Money
  jobTitle: string
  drafts?: readonly MilestoneDraft[] | undefined
  now: Date
}): PlannedMilestone[] {
  const { bid } = input
  if (input.drafts === undefined) {
    try {
      return [
        {
          title: input.jobTitle.slice(0, 200),
          amount: positiveMoney(bid.amountMinor, bid.currency),
          dueDate: null,
        },
      ]
    } catch (err) {
      if (!(err instanceof MoneyError)) throw err
      // Only a bid stored before money was bounded can get here (the apply schema bounds it now).
      const problem = {
        field: 'milestones',
        message: `cannot hold the bid: ${err.message}`,
        in: 'body' as const,
      }
      throw withFields(new InvalidMilestones(`${problem.field} ${problem.message}`), [problem])
    }
  }
  const today = isoDay(input.now)
  const problems: FieldError[] = []
  if (input.drafts.length === 0) {
    problems.push({ field: 'milestones', message: 'must list at least one milestone', in: 'body' })
  }
  const planned: PlannedMilestone[] = []
  input.drafts.forEach((draft, i) => {
    try {
      planned.push({
        title: draft.title.trim(),
        amount: positiveMoney(draft.amountMinor, bid.currency),
        dueDate: draft.dueDate ?? null,
      })
    } catch (err) {
      if (!(err instanceof MoneyError)) throw err
      problems.push({ field: `milestones.${i}.amountMinor`, message: err.message, in: 'body' })
    }
    if (draft.dueDate && draft.dueDate < today) {
      problems.push({
        field: `milestones.${i}.dueDate`,
        message: `is in the past (today is ${today} UTC)`,
        in: 'body',
      })
    }
  })
  if (problems.length === 0) {
    let total: Money | undefined
    try {
      total = sumMoney(
        planned.map((m) => m.amount),
        bid.currency,
      )
    } catch (err) {
      if (!(err instanceof MoneyError)) throw err
      problems.push({ field: 'milestones', message: err.message, in: 'body' })
    }
    if (total && !moneyEquals(total, bid)) {
      problems.push({
        field: 'milestones',
        message: `add up to ${total.amountMinor} but the accepted bid is ${bid.amountMinor} ${bid.currency} (minor units); make them equal`,
        in: 'body',
      })
    }
  }
  const first = problems[0]
  if (first) throw withFields(new InvalidMilestones(`${first.field} ${first.message}`), problems)
  return planned
}
