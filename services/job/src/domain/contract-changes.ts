/**
 * The decisions on a contract — sign, cancel (or request it), milestone steps, payment facts —
 * as `Decision`s for its store (`store.change(id, decide)`): which fields change and which events
 * they cause. Pure (the rules are in `contract.ts` and `milestone.ts`); the milestone array is
 * rewritten whole under the version guard (no positional updates; docs/ferretdb.md).
 */
import { NonRetryableError } from '@kelmah/bus'
import type { DomainEvent, EventContext, EventOf } from '@kelmah/contracts'
import type { Decision } from '@kelmah/service-kit'
import { MilestoneNotFound } from '../errors.js'
import {
  contractCancelled,
  contractCompleted,
  contractSigned,
  milestoneApproved,
  milestoneSubmitted,
} from '../events/contract-publishers.js'
import type { ContractDoc, MilestoneDoc } from '../models/contract.js'
import { allReleased, assertActive, decideCancellation, sign, type Party } from './contract.js'
import { freedSlot } from './hiring.js'
import { assertMilestoneTransition, paymentFactOutcome, type PaymentFact } from './milestone.js'

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

/** The payment facts the job service consumes. */
export type PaymentFactEvent = EventOf<'EscrowFunded'> | EventOf<'PaymentReleased'> | EventOf<'DisputeRaised'>

/** The milestone state a payment fact event reports. */
export function factOf(event: PaymentFactEvent): PaymentFact {
  switch (event.type) {
    case 'EscrowFunded':
      return 'funded'
    case 'PaymentReleased':
      return 'released'
    case 'DisputeRaised':
      return 'disputed'
  }
}

/**
 * Record a payment fact on its milestone: `funded`, `released` (the last release completes the
 * contract: `ContractCompleted`) or `disputed`. Null when the milestone is already in or past the
 * fact's state (idempotent).
 *
 * @throws NonRetryableError (→ DLQ) for an unknown milestone, a fact contradicting the
 *   milestone's state, a contract that is not active, or an amount other than the milestone's
 */
export function paymentFactChange(
  c: ContractDoc,
  event: PaymentFactEvent,
  now: Date,
  ctx: EventContext,
): Decision | null {
  const { contractId, milestoneId } = event.data
  const fact = factOf(event)
  const index = c.milestones.findIndex((m) => m.id === milestoneId)
  const m = c.milestones[index]
  if (!m) throw new NonRetryableError(`${event.type}: contract ${contractId} has no milestone ${milestoneId}`)
  const outcome = paymentFactOutcome(m.status, fact)
  if (outcome === 'noop') return null
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
  let next: MilestoneDoc
  switch (event.type) {
    case 'EscrowFunded':
      next = { ...m, status: 'funded', fundedAt: now, paymentIntentId: event.data.paymentIntentId ?? null }
      break
    case 'PaymentReleased':
      next = {
        ...m,
        status: 'released',
        releasedAt: now,
        platformFee: {
          amountMinor: event.data.platformFee.amountMinor,
          currency: event.data.platformFee.currency,
        },
      }
      break
    case 'DisputeRaised':
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
      break
  }
  const milestones = c.milestones.map((x, i) => (i === index ? next : x))
  if (!allReleased(milestones)) return { set: { milestones } }
  return {
    set: { milestones, status: 'completed', completedAt: now },
    events: [contractCompleted(c, ctx)],
  }
}
