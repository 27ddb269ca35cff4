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
 * have them dropped with a warning.
 */
import type { Handler } from '@kelmah/bus'
import type { KelmahApp } from '@kelmah/service-kit'
import type { FastifyBaseLogger } from 'fastify'
import type { Contracts } from '../services/contracts.js'

/** `EscrowFunded`: the milestone's amount is held in escrow → `funded`. */
export function EscrowFundedHandler(contracts: Contracts): Handler<'EscrowFunded'> {
  return async (event, ctx) => contracts.recordPaymentFact(event, ctx.logger as unknown as FastifyBaseLogger)
}

/** `PaymentReleased`: the escrow went to the worker → `released`; the last one completes the contract. */
export function PaymentReleasedHandler(contracts: Contracts): Handler<'PaymentReleased'> {
  return async (event, ctx) => contracts.recordPaymentFact(event, ctx.logger as unknown as FastifyBaseLogger)
}

/** `DisputeRaised`: a party disputed the milestone → `disputed` (frozen until resolved). */
export function DisputeRaisedHandler(contracts: Contracts): Handler<'DisputeRaised'> {
  return async (event, ctx) => contracts.recordPaymentFact(event, ctx.logger as unknown as FastifyBaseLogger)
}

/**
 * Subscribe the payment handlers (one queue, `job.payments`, so facts about one milestone are
 * handled by one consumer in publication order as far as the broker keeps it). Call once the bus
 * has started (an `onReady` hook).
 */
export async function registerPaymentHandlers(app: KelmahApp, contracts: Contracts): Promise<void> {
  const handlers = {
    EscrowFunded: EscrowFundedHandler(contracts),
    PaymentReleased: PaymentReleasedHandler(contracts),
    DisputeRaised: DisputeRaisedHandler(contracts),
  }
  await app.bus.subscribe(
    'payments',
    ['EscrowFunded', 'PaymentReleased', 'DisputeRaised'],
    async (event, ctx) => {
      switch (event.type) {
        case 'EscrowFunded':
          return handlers.EscrowFunded(event, ctx)
        case 'PaymentReleased':
          return handlers.PaymentReleased(event, ctx)
        case 'DisputeRaised':
          return handlers.DisputeRaised(event, ctx)
      }
    },
  )
}
