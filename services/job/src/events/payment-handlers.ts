/**
 * The payment facts the job service consumes (queue `job.payments`): `EscrowFunded` → milestone
 * `funded`, `PaymentReleased` → `released`, `DisputeRaised` → `disputed`, `RefundIssued` →
 * `refunded` (whole; on a cancelled contract too) or a recorded partial refund (the hirer's part
 * of a split), `DisputeResolved` → `refunded` (outcome `refund`) or a recorded resolution
 * (`release` / `split`: `PaymentReleased` follows). The fact that settles the last milestone
 * completes the contract when one milestone was released. Each handler is idempotent — a
 * milestone already in or past the fact's state is left alone (the inbox dedupes by event id as
 * well) — and tolerates the two facts of a split in either order.
 *
 * Events about an unknown contract or milestone, with an amount that does not match the
 * milestone's, for a contract in the wrong status, or contradicting the milestone's state are
 * dead-lettered at once (`NonRetryableError`): they signal a bug or a lost event upstream, money
 * is involved, and an operator must see them (`npm run dlq -- list job.payments`) rather than
 * have them dropped with a warning. Registered in `handlers.ts`.
 */
import type { Handler, HandlerMap } from '@kelmah/bus'
import type { PaymentFacts } from '../services/payment-facts.js'

/** `EscrowFunded`: the milestone's amount is held in escrow → `funded`. */
export function EscrowFundedHandler(facts: PaymentFacts): Handler<'EscrowFunded'> {
  return (event, ctx) => facts.record(event, ctx)
}

/** `PaymentReleased`: the escrow went to the worker → `released`; the last one completes the contract. */
export function PaymentReleasedHandler(facts: PaymentFacts): Handler<'PaymentReleased'> {
  return (event, ctx) => facts.record(event, ctx)
}

/** `DisputeRaised`: a party disputed the milestone → `disputed` (frozen until resolved). */
export function DisputeRaisedHandler(facts: PaymentFacts): Handler<'DisputeRaised'> {
  return (event, ctx) => facts.record(event, ctx)
}

/**
 * `RefundIssued`: escrow went back to the hirer → `refunded` (whole), or the hirer's part of a
 * split recorded (`partial: true`, no status change).
 */
export function RefundIssuedHandler(facts: PaymentFacts): Handler<'RefundIssued'> {
  return (event, ctx) => facts.record(event, ctx)
}

/** `DisputeResolved`: outcome `refund` → `refunded`; `release` / `split` recorded (PaymentReleased follows). */
export function DisputeResolvedHandler(facts: PaymentFacts): Handler<'DisputeResolved'> {
  return (event, ctx) => facts.record(event, ctx)
}

/** The handler map of queue `job.payments`. */
export function paymentHandlers(facts: PaymentFacts): HandlerMap {
  return {
    EscrowFunded: EscrowFundedHandler(facts),
    PaymentReleased: PaymentReleasedHandler(facts),
    DisputeRaised: DisputeRaisedHandler(facts),
    RefundIssued: RefundIssuedHandler(facts),
    DisputeResolved: DisputeResolvedHandler(facts),
  }
}
