/**
 * The milestone state machine and the milestone plan of a new contract — the ONE place that
 * says which milestone moves are legal and who (or which event) makes them:
 *
 * ```
 *                      EscrowFunded          worker submits          hirer approves        PaymentReleased
 *            pending ───────────────▶ funded ───────────────▶ submitted ─────────────▶ approved ─────────────▶ released
 *                                       │                     ▲     │
 *                                       │      worker resubmits│     │ hirer requests a revision
 *                                       │                     │     ▼
 *                                       │                revision_requested
 *                                       │                          │
 *                                       └────────┬─────────────────┘  DisputeRaised (from funded, submitted,
 *                                                ▼                                  revision_requested)
 *                                            disputed ──── PaymentReleased (resolved for the worker) ───▶ released
 * ```
 *
 * - `funded` comes only from the payment service's `EscrowFunded`, `released` only from its
 *   `PaymentReleased`, `disputed` only from its `DisputeRaised`: money facts are the payment
 *   service's to state; the job service records them.
 * - A dispute resolved for the worker arrives as `PaymentReleased` (disputed → released). One
 *   resolved for the hirer is a refund: no refund event is consumed yet, so such a milestone stays
 *   `disputed` (and blocks cancelling the contract) until a `refunded` status lands with the
 *   payment service.
 *
 * Pure: no I/O. Illegal moves throw `IllegalMilestoneTransition` (409 naming both states).
 */
import { IllegalMilestoneTransition, InvalidMilestones, withFields, type FieldError } from '../errors.js'
import { MoneyError, money, moneyEquals, sumMoney, type Money } from './money.js'

/** Every status a milestone may have. */
export const MILESTONE_STATUSES = [
  'pending',
  'funded',
  'submitted',
  'revision_requested',
  'approved',
  'released',
  'disputed',
] as const

/** A milestone's status. */
export type MilestoneStatus = (typeof MILESTONE_STATUSES)[number]

/** Legal moves: `from → [to…]`. */
export const MILESTONE_TRANSITIONS: Readonly<Record<MilestoneStatus, readonly MilestoneStatus[]>> = {
  pending: ['funded'],
  funded: ['submitted', 'disputed'],
  submitted: ['approved', 'revision_requested', 'disputed'],
  revision_requested: ['submitted', 'disputed'],
  approved: ['released'],
  released: [],
  disputed: ['released'],
}

/** Statuses whose amount sits in escrow: funded and not yet released. */
export const ESCROWED_STATUSES: readonly MilestoneStatus[] = [
  'funded',
  'submitted',
  'revision_requested',
  'approved',
  'disputed',
]

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

/** A payment fact about a milestone, as the payment service's events state it. */
export type PaymentFact = 'funded' | 'released' | 'disputed'

/**
 * What an incoming payment fact does to a milestone in `status`:
 *
 * - `apply` — a legal move; record it.
 * - `noop` — the milestone is already in, or past, the state the fact leads to (a redelivered or
 *   duplicated event): nothing to do. E.g. `EscrowFunded` for a milestone already submitted.
 * - `reject` — the fact contradicts what we know (a release of a milestone nobody approved, a
 *   dispute of an unfunded one): a bug or a lost event upstream. The handler dead-letters it so an
 *   operator sees it, rather than guessing.
 */
export function paymentFactOutcome(status: MilestoneStatus, fact: PaymentFact): 'apply' | 'noop' | 'reject' {
  if (canMilestoneTransition(status, fact)) return 'apply'
  if (status === fact) return 'noop'
  switch (fact) {
    case 'funded':
      // Every status but pending comes after funding.
      return 'noop'
    case 'released':
      return 'reject'
    case 'disputed':
      // A released milestone's money is gone, an approved one's is being released: a dispute
      // arriving then lost a race upstream; recording it would freeze nothing. Pending: no escrow.
      return 'reject'
  }
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
 * whole bid titled after the job. Amounts are in the bid's currency and must add up to the bid
 * exactly (the contract total is the accepted bid); due dates may not be in the past (UTC).
 *
 * @param input.bid - the accepted application's bid; the contract's total and currency
 * @param input.jobTitle - title of the default milestone
 * @param input.drafts - the hirer's milestones, or undefined for the default
 * @param input.now - the clock
 * @throws InvalidMilestones (400) with `errors[]` naming `milestones` (sum, empty) or
 *   `milestones.<i>.dueDate` / `milestones.<i>.amountMinor`
 */
export function planMilestones(input: {
  bid: Money
  jobTitle: string
  drafts?: readonly MilestoneDraft[] | undefined
  now: Date
}): PlannedMilestone[] {
  const { bid } = input
  if (input.drafts === undefined) {
    return [
      { title: input.jobTitle.slice(0, 200), amount: money(bid.amountMinor, bid.currency), dueDate: null },
    ]
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
        amount: money(draft.amountMinor, bid.currency),
        dueDate: draft.dueDate ?? null,
      })
    } catch (err) {
      if (!(err instanceof MoneyError)) throw err
      problems.push({ field: `milestones.${i}.amountMinor`, message: err.message, in: 'body' })
    }
    if (draft.amountMinor === 0) {
      problems.push({ field: `milestones.${i}.amountMinor`, message: 'must be more than zero', in: 'body' })
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
