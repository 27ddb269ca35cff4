/**
 * The payment facts the job service consumes (queue `job.payments`): `EscrowFunded` → milestone
 * `funded`, `PaymentReleased` → `released` (the last one completes the contract),
 * `DisputeRaised` → `disputed`. Each handler is idempotent — a milestone already in or past the
 * fact's state is left alone (the inbox dedupes by event id as well).
 *
 * Events about an unknown contract or milestone, with an amount that differs from the
 * milestone's, for a contract that is not active, or contradicting the milestone's state are
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

/** The handler map of queue `job.payments`. */
export function paymentHandlers(facts: PaymentFacts): HandlerMap {
  return {
    EscrowFunded: EscrowFundedHandler(facts),
    PaymentReleased: PaymentReleasedHandler(facts),
    DisputeRaised: DisputeRaisedHandler(facts),
  }
}
