/**
 * The events the payment service produces (docs/architecture.md, Events). Each is built here and
 * written into the outbox of the document whose insert commits the fact — the ledger transfer for
 * money facts (so a fact posted once is published once), the dispute for `DisputeRaised`.
 */
import { createEvent, type EventContext, type EventOf, type Money } from '@kelmah/contracts'
import type { EscrowRef } from '../domain/ledger.js'

/** `EscrowFunded`: the escrow holds the milestone's amount. */
export function escrowFunded(
  e: EscrowRef,
  paymentIntentId: string,
  ctx: EventContext,
): EventOf<'EscrowFunded'> {
  return createEvent(
    'EscrowFunded',
    {
      contractId: e.contractId,
      milestoneId: e.milestoneId,
      hirerId: e.hirerId,
      amount: { ...e.amount },
      escrowId: e.escrowId,
      paymentIntentId,
    },
    ctx,
  )
}

/** `PaymentReleased`: `net` reached the worker's wallet, `fee` the platform (together the worker's gross). */
export function paymentReleased(
  e: EscrowRef,
  net: Money,
  fee: Money,
  ctx: EventContext,
  disputeId?: string,
): EventOf<'PaymentReleased'> {
  return createEvent(
    'PaymentReleased',
    {
      contractId: e.contractId,
      milestoneId: e.milestoneId,
      workerId: e.workerId,
      hirerId: e.hirerId,
      escrowId: e.escrowId,
      amount: { ...net },
      platformFee: { ...fee },
      ...(disputeId ? { disputeId } : {}),
    },
    ctx,
  )
}

/** `RefundIssued`: Stripe refunded `amount` of the escrow to the hirer's card. */
export function refundIssued(
  e: EscrowRef,
  amount: Money,
  refund: {
    refundId: string
    reason: 'contract_cancelled' | 'dispute_resolved'
    partial: boolean
    disputeId?: string
  },
  ctx: EventContext,
): EventOf<'RefundIssued'> {
  return createEvent(
    'RefundIssued',
    {
      contractId: e.contractId,
      milestoneId: e.milestoneId,
      hirerId: e.hirerId,
      escrowId: e.escrowId,
      amount: { ...amount },
      reason: refund.reason,
      partial: refund.partial,
      refundId: refund.refundId,
      ...(refund.disputeId ? { disputeId: refund.disputeId } : {}),
    },
    ctx,
  )
}

/** `DisputeRaised`: a party disputed the milestone; the job service freezes it. */
export function disputeRaised(
  d: { disputeId: string; contractId: string; milestoneId: string; raisedBy: string; reason: string },
  ctx: EventContext,
): EventOf<'DisputeRaised'> {
  return createEvent('DisputeRaised', { ...d }, ctx)
}

/** `DisputeResolved`: an admin decided; the money follows (PaymentReleased and/or RefundIssued). */
export function disputeResolved(
  d: {
    disputeId: string
    outcome: 'release' | 'refund' | 'split'
    workerAmount: Money
    refundAmount: Money
    resolvedBy: string
  },
  e: EscrowRef,
  ctx: EventContext,
): EventOf<'DisputeResolved'> {
  return createEvent(
    'DisputeResolved',
    {
      disputeId: d.disputeId,
      contractId: e.contractId,
      milestoneId: e.milestoneId,
      hirerId: e.hirerId,
      workerId: e.workerId,
      outcome: d.outcome,
      workerAmount: { ...d.workerAmount },
      refundAmount: { ...d.refundAmount },
      resolvedBy: d.resolvedBy,
    },
    ctx,
  )
}

/** `PayoutCompleted`: a Stripe Transfer moved `amount` to the worker's Connect account. */
export function payoutCompleted(
  p: { payoutId: string; userId: string; amount: Money; stripeTransferId: string; stripeAccountId: string },
  ctx: EventContext,
): EventOf<'PayoutCompleted'> {
  return createEvent('PayoutCompleted', { ...p, amount: { ...p.amount } }, ctx)
}
