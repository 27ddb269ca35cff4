/**
 * The decisions on a contract — sign, cancel (or request it), milestone steps, payment facts —
 * as `Decision`s for its store (`store.change(id, decide)`): which fields change and which events
 * they cause. Pure (the rules are in `contract.ts` and `milestone.ts`); the milestone array is
 * rewritten whole under the version guard (no positional updates; docs/ferretdb.md).
 */
import { NonRetryableError } from '@kelmah/bus'
import { moneyEquals, type DomainEvent, type EventContext, type EventOf, type Money } from '@kelmah/contracts'
import type { Decision } from '@kelmah/service-kit'
import { MilestoneNotFound } from '../errors.js'
import {
  contractCancelled,
  contractCompleted,
  contractSigned,
  milestoneApproved,
  milestoneSubmitted,
} from '../events/contract-publishers.js'
import type { ContractDoc, MilestoneDoc, MilestoneRefund, MilestoneResolution } from '../models/contract.js'
import {
  assertActive,
  completesContract,
  decideCancellation,
  sign,
  type ContractStatus,
  type Party,
} from './contract.js'
import { freedSlot } from './hiring.js'
import {
  assertMilestoneTransition,
  disputeResolutionOutcome,
  partialRefundOutcome,
  paymentFactOutcome,
  type PaymentFact,
} from './milestone.js'

/**
 * `party` signs; the second signature activates the contract (`ContractSigned`).
 *
 * @throws IllegalContractTransition / AlreadySigned (409) — see `sign`
 */
export function signing(c: ContractDoc, party: Party, now: Date, ctx: EventContext): Decision {
  const next = sign(c, party, now)
  const set: Record<string, unknown> = {
    hirerSignedAt: next.hirerSignedAt,
    workerSignedAt: next.workerSignedAt,
    status: next.status,
  }
  if (next.activated) set.activatedAt = now
  return { set, events: next.activated ? [contractSigned(c, ctx)] : [] }
}

/** The decision that cancels `c`: status, freed opening, cancellation record, `ContractCancelled`. */
export function cancelling(
  c: ContractDoc,
  cancellation: { by: string; refundableMilestoneIds: string[]; mutual: boolean; reason: string | null },
  now: Date,
  ctx: EventContext,
): Decision {
  const { by, refundableMilestoneIds, reason } = cancellation
  return {
    set: {
      status: 'cancelled',
      cancelledAt: now,
      hireSlot: freedSlot(c._id),
      cancellation: { by, reason, mutual: cancellation.mutual, refundableMilestoneIds },
    },
    events: [contractCancelled(c, by, refundableMilestoneIds, reason, ctx)],
  }
}

/**
 * A party's cancel (rules in `contract.ts`): the contract is cancelled, or — the hirer while money
 * is in escrow — a cancellation request is recorded for the worker to agree to.
 *
 * @throws IllegalContractTransition / CancellationNotAllowed (409) — see `decideCancellation`
 */
export function cancelByParty(
  c: ContractDoc,
  party: Party,
  by: string,
  reason: string | null,
  now: Date,
  ctx: EventContext,
): Decision {
  const decision = decideCancellation(c, party)
  if (decision.kind === 'request') return { set: { cancellationRequest: { by, reason, at: now } } }
  return cancelling(c, { by, reason, ...decision }, now, ctx)
}

/** One milestone step: the milestone after it and the events it causes. */
export type MilestoneStep = (
  c: ContractDoc,
  m: MilestoneDoc,
  now: Date,
) => { milestone: MilestoneDoc; events: DomainEvent[] }

/**
 * Apply `step` to milestone `milestoneId` of an active contract.
 *
 * @throws ContractNotActive (409); MilestoneNotFound (404); what `step` throws
 */
export function milestoneChange(
  c: ContractDoc,
  milestoneId: string,
  step: MilestoneStep,
  now: Date,
): Decision {
  assertActive(c.status)
  const index = c.milestones.findIndex((m) => m.id === milestoneId)
  const m = c.milestones[index]
  if (!m) throw new MilestoneNotFound(milestoneId)
  const { milestone, events } = step(c, m, now)
  return { set: { milestones: c.milestones.map((x, i) => (i === index ? milestone : x)) }, events }
}

/** The worker submits (or resubmits) work (`MilestoneSubmitted`). @throws IllegalMilestoneTransition (409) */
export function submitStep(
  input: { note: string | null; deliverables: string[] },
  ctx: EventContext,
): MilestoneStep {
  return (c, m, now) => {
    assertMilestoneTransition(m.status, 'submitted')
    const next: MilestoneDoc = {
      ...m,
      status: 'submitted',
      submission: { note: input.note, deliverables: input.deliverables, at: now },
      submittedAt: now,
    }
    return { milestone: next, events: [milestoneSubmitted(c, next, input.note, ctx)] }
  }
}

/** The hirer approves (`MilestoneApproved`: the payment service releases). @throws IllegalMilestoneTransition (409) */
export function approveStep(ctx: EventContext): MilestoneStep {
  return (c, m, now) => {
    assertMilestoneTransition(m.status, 'approved')
    const next: MilestoneDoc = { ...m, status: 'approved', approvedAt: now }
    return { milestone: next, events: [milestoneApproved(c, next, ctx)] }
  }
}

/** The hirer asks for changes (no event). @throws IllegalMilestoneTransition (409) */
export function revisionStep(note: string): MilestoneStep {
  return (_c, m, now) => {
    assertMilestoneTransition(m.status, 'revision_requested')
    const next: MilestoneDoc = {
      ...m,
      status: 'revision_requested',
      revisions: [...(m.revisions ?? []), { note, at: now }],
    }
    return { milestone: next, events: [] }
  }
}

/** The payment facts the job service consumes (queue `job.payments`). */
export type PaymentFactEvent =
  | EventOf<'EscrowFunded'>
  | EventOf<'PaymentReleased'>
  | EventOf<'DisputeRaised'>
  | EventOf<'RefundIssued'>
  | EventOf<'DisputeResolved'>

/**
 * What a payment fact event reports about its milestone, for logs: the state it leads to, or
 * `partial_refund` / `resolution` for the facts that only add a record.
 */
export function factOf(event: PaymentFactEvent): PaymentFact | 'partial_refund' | 'resolution' {
  switch (event.type) {
    case 'EscrowFunded':
      return 'funded'
    case 'PaymentReleased':
      return 'released'
    case 'DisputeRaised':
      return 'disputed'
    case 'RefundIssued':
      return event.data.partial ? 'partial_refund' : 'refunded'
    case 'DisputeResolved':
      return event.data.outcome === 'refund' ? 'refunded' : 'resolution'
  }
}

const fmt = (m: Money) => `${m.amountMinor} ${m.currency}`

/** A dead-letter for `event` about milestone `m`: the fact contradicts what this service knows. */
function contradiction(event: PaymentFactEvent, why: string): NonRetryableError {
  return new NonRetryableError(`${event.type}: ${why}`)
}

/** @throws NonRetryableError unless the contract is in one of `statuses` */
function requireContract(c: ContractDoc, event: PaymentFactEvent, statuses: readonly ContractStatus[]): void {
  if (!statuses.includes(c.status)) {
    throw contradiction(event, `contract ${String(c._id)} is ${c.status}, not ${statuses.join(' or ')}`)
  }
}

/** @throws NonRetryableError unless `amount` is exactly the milestone's */
function requireAmount(event: PaymentFactEvent, m: MilestoneDoc, amount: Money): void {
  if (!moneyEquals(amount, m.amount)) {
    throw contradiction(event, `amount ${fmt(amount)} differs from milestone ${m.id} (${fmt(m.amount)})`)
  }
}

/**
 * The milestone after a status-moving fact (`EscrowFunded`, `PaymentReleased`, `DisputeRaised`,
 * a whole `RefundIssued`, a `DisputeResolved` with outcome `refund`), or null when it is already
 * in or past that state.
 */
function movedMilestone(
  c: ContractDoc,
  m: MilestoneDoc,
  event: PaymentFactEvent,
  fact: PaymentFact,
  now: Date,
): MilestoneDoc | null {
  const outcome = paymentFactOutcome(m.status, fact)
  if (outcome === 'noop') return null
  if (outcome === 'reject')
    throw contradiction(event, `milestone ${m.id} is ${m.status}; it cannot become ${fact}`)
  switch (event.type) {
    case 'EscrowFunded':
      requireContract(c, event, ['active'])
      requireAmount(event, m, event.data.amount)
      return { ...m, status: 'funded', fundedAt: now, paymentIntentId: event.data.paymentIntentId ?? null }
    case 'PaymentReleased': {
      requireContract(c, event, ['active'])
      // `amount` is what the worker received, `platformFee` what the platform kept: together the
      // escrow released — all of it, or (a split dispute) the worker's part of it.
      const { amount, platformFee } = event.data
      if (amount.currency !== m.amount.currency || platformFee.currency !== m.amount.currency) {
        throw contradiction(event, `currency differs from milestone ${m.id} (${m.amount.currency})`)
      }
      const escrow = amount.amountMinor + platformFee.amountMinor
      const fits = m.status === 'disputed' ? escrow <= m.amount.amountMinor : escrow === m.amount.amountMinor
      if (!fits) {
        throw contradiction(
          event,
          `amount ${fmt(amount)} + fee ${fmt(platformFee)} does not match milestone ${m.id} (${fmt(m.amount)}, ${m.status})`,
        )
      }
      return {
        ...m,
        status: 'released',
        releasedAt: now,
        platformFee: { amountMinor: platformFee.amountMinor, currency: platformFee.currency },
      }
    }
    case 'DisputeRaised':
      requireContract(c, event, ['active'])
      return {
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
    case 'RefundIssued':
      // A cancelled contract's escrow is refunded after the cancel (ContractCancelled lists it).
      requireContract(c, event, ['active', 'cancelled'])
      requireAmount(event, m, event.data.amount)
      return { ...m, status: 'refunded', refundedAt: now, refund: refundRecord(event, now) }
    case 'DisputeResolved':
      requireContract(c, event, ['active'])
      return { ...m, status: 'refunded', refundedAt: now, resolution: resolutionRecord(event, now) }
  }
}

function refundRecord(event: EventOf<'RefundIssued'>, now: Date): MilestoneRefund {
  const { amount, partial, reason, refundId } = event.data
  return {
    amount: { amountMinor: amount.amountMinor, currency: amount.currency },
    partial,
    reason,
    refundId: refundId ?? null,
    at: now,
  }
}

function resolutionRecord(event: EventOf<'DisputeResolved'>, now: Date): MilestoneResolution {
  return { disputeId: event.data.disputeId, outcome: event.data.outcome, at: now }
}

/**
 * The milestone after a `RefundIssued`: a whole refund moves it to `refunded` (or, when a
 * `DisputeResolved` got it there first, only adds the refund's record); a partial refund (the
 * hirer's part of a split) is recorded without a status change, before or after the worker's
 * `PaymentReleased`. Null when there is nothing new to record.
 */
function refundedMilestone(
  c: ContractDoc,
  m: MilestoneDoc,
  event: EventOf<'RefundIssued'>,
  now: Date,
): MilestoneDoc | null {
  const { amount, partial } = event.data
  if (!partial) {
    if (m.status === 'refunded' && !m.refund && moneyEquals(amount, m.amount)) {
      return { ...m, refund: refundRecord(event, now) }
    }
    return movedMilestone(c, m, event, 'refunded', now)
  }
  if (partialRefundOutcome(m.status) === 'reject') {
    throw contradiction(
      event,
      `milestone ${m.id} is ${m.status}; a partial refund needs a disputed milestone`,
    )
  }
  if (
    amount.currency !== m.amount.currency ||
    amount.amountMinor < 1 ||
    amount.amountMinor >= m.amount.amountMinor
  ) {
    throw contradiction(
      event,
      `partial refund ${fmt(amount)} is not a part of milestone ${m.id} (${fmt(m.amount)})`,
    )
  }
  if (m.refund) {
    if (moneyEquals(m.refund.amount, amount) && m.refund.partial) return null // a repeat
    throw contradiction(event, `milestone ${m.id} already has a refund of ${fmt(m.refund.amount)}`)
  }
  return { ...m, refund: refundRecord(event, now) }
}

/**
 * The milestone after a `DisputeResolved`: outcome `refund` → `refunded`; `release` / `split` →
 * the resolution recorded, no status change (`PaymentReleased` follows). Null when already
 * settled (the money fact came first) or the same resolution is already recorded.
 */
function resolvedMilestone(
  c: ContractDoc,
  m: MilestoneDoc,
  event: EventOf<'DisputeResolved'>,
  now: Date,
): MilestoneDoc | null {
  const { disputeId, outcome } = event.data
  const decision = disputeResolutionOutcome(m.status, outcome)
  if (decision === 'noop') return null
  if (decision === 'reject') {
    throw contradiction(event, `milestone ${m.id} is ${m.status}; no dispute of it was recorded here`)
  }
  if (m.dispute && m.dispute.disputeId !== disputeId) {
    throw contradiction(event, `milestone ${m.id} is disputed under ${m.dispute.disputeId}, not ${disputeId}`)
  }
  if (decision === 'apply') return movedMilestone(c, m, event, 'refunded', now)
  if (m.resolution?.disputeId === disputeId && m.resolution.outcome === outcome) return null
  requireContract(c, event, ['active'])
  return { ...m, resolution: resolutionRecord(event, now) }
}

/**
 * Record a payment fact on its milestone (rules in `milestone.ts`): `funded`, `released`,
 * `disputed`, `refunded` (a whole `RefundIssued` — on a cancelled contract too — or a
 * `DisputeResolved` for the hirer), or a record without a status change (a partial refund; a
 * `release`/`split` resolution). The fact that settles the last milestone of an active contract
 * completes it when one milestone was released (`ContractCompleted`; `contract.ts#completesContract`).
 * Null when the milestone is already in or past the fact's state (idempotent).
 *
 * @throws NonRetryableError (→ DLQ) for an unknown milestone, a fact contradicting the
 *   milestone's state, a contract in the wrong status, or an amount that does not match the
 *   milestone's (whole facts: equal; a release: amount + fee = the escrow, ≤ it after a dispute;
 *   a partial refund: less than the milestone)
 */
export function paymentFactChange(
  c: ContractDoc,
  event: PaymentFactEvent,
  now: Date,
  ctx: EventContext,
): Decision | null {
  const { contractId, milestoneId } = event.data
  const index = c.milestones.findIndex((m) => m.id === milestoneId)
  const m = c.milestones[index]
  if (!m) throw new NonRetryableError(`${event.type}: contract ${contractId} has no milestone ${milestoneId}`)
  let next: MilestoneDoc | null
  switch (event.type) {
    case 'RefundIssued':
      next = refundedMilestone(c, m, event, now)
      break
    case 'DisputeResolved':
      next = resolvedMilestone(c, m, event, now)
      break
    case 'EscrowFunded':
    case 'PaymentReleased':
    case 'DisputeRaised':
      next = movedMilestone(c, m, event, factOf(event) as PaymentFact, now)
      break
  }
  if (!next) return null
  const milestones = c.milestones.map((x, i) => (i === index ? next : x))
  if (c.status !== 'active' || !completesContract(milestones)) return { set: { milestones } }
  return {
    set: { milestones, status: 'completed', completedAt: now },
    events: [contractCompleted(c, ctx)],
  }
}
