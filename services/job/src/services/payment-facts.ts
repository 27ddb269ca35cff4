/**
 * The payment facts the job service consumes: `EscrowFunded` → milestone `funded`,
 * `PaymentReleased` → `released`, `DisputeRaised` → `disputed`, `RefundIssued` (whole) and
 * `DisputeResolved` (outcome `refund`) → `refunded`; a partial `RefundIssued` and a `release` /
 * `split` resolution are recorded on the milestone without a status change. The fact that
 * settles the last milestone may complete the contract, and then the job. Decided by
 * `domain/contract-changes.ts#paymentFactChange`.
 */
import { NonRetryableError, type HandlerContext } from '@kelmah/bus'
import { Types } from 'mongoose'
import { factOf, paymentFactChange, type PaymentFactEvent } from '../domain/contract-changes.js'
import type { ServiceDeps } from './deps.js'
import type { Hiring } from './hiring.js'

/** The payment-fact use case. */
export class PaymentFacts {
  readonly #d: ServiceDeps
  readonly #hiring: Hiring

  constructor(deps: ServiceDeps, hiring: Hiring) {
    this.#d = deps
    this.#hiring = hiring
  }

  /**
   * Record a payment fact. Idempotent: a milestone already in or past the fact's state is left
   * alone (logged at info).
   *
   * @throws NonRetryableError (→ DLQ at once) for an unknown contract or milestone, an amount or
   *   currency that does not match the milestone's, a contract in the wrong status (not active;
   *   for a whole refund, not active or cancelled), or a fact that
   *   contradicts the milestone's state (e.g. a release nobody approved): each means a bug or a
   *   lost event upstream, which retrying cannot fix and an operator must see (money is involved,
   *   so it is never dropped silently)
   */
  async record(event: PaymentFactEvent, ctx: HandlerContext): Promise<void> {
    const { contractId, milestoneId } = event.data
    if (!Types.ObjectId.isValid(contractId) || !/^[0-9a-f]{24}$/i.test(contractId)) {
      throw new NonRetryableError(`${event.type} names contract ${contractId}, which is not a contract id`)
    }
    const contract = await this.#d.stores.contracts.change(
      contractId,
      (c) => {
        const decision = paymentFactChange(c, event, this.#d.now(), ctx)
        if (!decision) {
          const status = c.milestones.find((m) => m.id === milestoneId)?.status
          ctx.logger.info(
            { contractId, milestoneId, status, fact: factOf(event) },
            'payment fact already recorded; nothing to do',
          )
        }
        return decision
      },
      {
        missing: () =>
          new NonRetryableError(`${event.type} names contract ${contractId}, which does not exist here`),
      },
    )
    // A completion (by a release or a refund) has follow-ups on the job; `settledVersion` says
    // whether they ran for this version (a repeat costs nothing).
    if (contract.status === 'completed' && contract.settledVersion < contract.version) {
      await this.#hiring.settle(contract, ctx)
    }
  }
}
