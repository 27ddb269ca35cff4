/**
 * Settling escrow: the release on `MilestoneApproved`, the refunds on `ContractCancelled`, and the
 * Stripe half of every refund (also a dispute's refund or split, services/disputes.ts).
 *
 * Every settlement of an escrow is ONE ledger transfer, `settle:<escrowId>` (domain/ledger.ts):
 * whichever of release, refund or split is posted first is the only one — two consumer instances
 * releasing at once, a release racing a cancellation: one insert wins, the other finds it. The
 * events of the fact ride in that transfer's outbox, so they are published once.
 *
 * A refund is two-phase: `settle:` moves the escrow to its refund account (reserved before Stripe
 * is called), the Stripe Refund is made with the idempotency key `refund:<escrowId>`, then
 * `refund-paid:` moves the money out and carries `RefundIssued`. A failure between the two (Stripe
 * down) leaves the reserve; the bus redelivers the event (or the admin repeats the resolution)
 * and the refund resumes from the reserve.
 */
import { NonRetryableError, type HandlerContext } from '@kelmah/bus'
import { money, type EventContext, type EventOf } from '@kelmah/contracts'
import { splitFee } from '../domain/fees.js'
import {
  accounts,
  refundPaidTransfer,
  refundTransfer,
  releaseTransfer,
  type TransferCause,
} from '../domain/ledger.js'
import { SETTLED_STATUS } from '../domain/escrow.js'
import { paymentReleased, refundIssued } from '../events/publishers.js'
import type { EscrowDoc } from '../models/index.js'
import { escrowRef, type PaymentDeps } from './deps.js'

/** Why escrow goes back to the hirer. */
export type RefundReason = 'contract_cancelled' | 'dispute_resolved'

/** The settlement use cases. */
export class Settlement {
  readonly #d: PaymentDeps

  constructor(deps: PaymentDeps) {
    this.#d = deps
  }

  /** The escrow attempt of a milestone that was funded (by the ledger, not the status), or null. */
  async fundedEscrowOf(milestoneId: string): Promise<{ escrow: EscrowDoc | null; pending: boolean }> {
    const attempts = await this.#d.models.Escrow.find({ milestoneId }).lean()
    for (const e of attempts) {
      if (e.status !== 'pending' && e.status !== 'failed') return { escrow: e, pending: false }
      // A status that lags its fund transfer (a crash between the two writes) still counts.
      if (await this.#d.ledger.get(`fund:${e._id}`)) return { escrow: e, pending: false }
    }
    return { escrow: null, pending: attempts.some((e) => e.status === 'pending') }
  }

  /**
   * `MilestoneApproved` → release the milestone's escrow to the worker, less the platform fee.
   * Idempotent: a settled escrow is left alone.
   *
   * @throws Error (the bus retries with back-off) while the escrow is still pending (the webhook
   *   has not arrived); NonRetryableError (→ DLQ) when the milestone was never funded here or
   *   the amount differs — an approval of unfunded work is a bug upstream an operator must see
   */
  async release(event: EventOf<'MilestoneApproved'>, ctx: HandlerContext): Promise<void> {
    const d = event.data
    const { escrow, pending } = await this.fundedEscrowOf(d.milestoneId)
    if (!escrow) {
      if (pending)
        throw new Error(`milestone ${d.milestoneId} was approved while its escrow is pending; retrying`)
      throw new NonRetryableError(`milestone ${d.milestoneId} was approved but never funded here`)
    }
    if (escrow.amount.amountMinor !== d.amount.amountMinor || escrow.amount.currency !== d.amount.currency) {
      throw new NonRetryableError(
        `milestone ${d.milestoneId}: approved ${d.amount.amountMinor} ${d.amount.currency}, escrow ${escrow._id} holds ${escrow.amount.amountMinor} ${escrow.amount.currency}`,
      )
    }
    const dispute = await this.#d.models.Dispute.findOne({ escrowId: escrow._id }).select({ _id: 1 }).lean()
    if (dispute || escrow.frozen) {
      ctx.logger.warn(
        { escrowId: escrow._id, disputeId: dispute?._id },
        'approved milestone is disputed or frozen; the resolution settles it',
      )
      return
    }
    const ref = escrowRef(escrow)
    const { net, fee } = splitFee(ref.amount, this.#d.config.PLATFORM_FEE_BPS)
    const cause: TransferCause = { type: 'event', id: event.id }
    const { transfer } = await this.#d.ledger.post(releaseTransfer(ref, fee, cause), [
      paymentReleased(ref, net, fee, ctx),
    ])
    await this.project(escrow._id, transfer.kind)
  }

  /**
   * `ContractCancelled` → refund each of its `refundableMilestoneIds` that holds escrow.
   *
   * @throws StripeUnavailable (the bus retries) when Stripe is down; the reserve stays and the
   *   retry resumes it
   */
  async refundCancelled(event: EventOf<'ContractCancelled'>, ctx: HandlerContext): Promise<void> {
    for (const milestoneId of event.data.refundableMilestoneIds) {
      const { escrow } = await this.fundedEscrowOf(milestoneId)
      if (!escrow) {
        ctx.logger.info({ milestoneId }, 'cancelled milestone holds no escrow here; nothing to refund')
        continue
      }
      const dispute = await this.#d.models.Dispute.findOne({ escrowId: escrow._id, status: 'open' }).lean()
      if (dispute) {
        // The admin's resolution settles a disputed escrow (the job service blocks such a cancel anyway).
        ctx.logger.warn(
          { escrowId: escrow._id, disputeId: dispute._id },
          'cancelled milestone is disputed; left to the resolution',
        )
        continue
      }
      await this.refundEscrow(escrow, 'contract_cancelled', { type: 'event', id: event.id }, ctx)
    }
  }

  /**
   * Refund the whole escrow (a cancellation; money funded after its contract was cancelled; a
   * dispute decided for the hirer). Nothing happens when the escrow was settled otherwise.
   *
   * @throws StripeUnavailable | StripeRefused from the Stripe Refund (the reserve stays)
   */
  async refundEscrow(
    escrow: EscrowDoc,
    reason: RefundReason,
    cause: TransferCause,
    ctx: EventContext,
    disputeId?: string,
  ): Promise<void> {
    const ref = escrowRef(escrow)
    const { transfer } = await this.#d.ledger.post(refundTransfer(ref, cause, disputeId))
    if (transfer.kind === 'release') {
      await this.project(escrow._id, 'release')
      return
    }
    await this.payRefund(escrow, reason, ctx, transfer.disputeId ?? disputeId)
  }

  /**
   * The Stripe half of a refund whose `settle:` transfer reserved money in the escrow's refund
   * account: the Stripe Refund, then `refund-paid:` with `RefundIssued`. Idempotent: resumes
   * wherever an earlier try stopped.
   *
   * @throws StripeUnavailable | StripeRefused from the Stripe Refund
   */
  async payRefund(
    escrow: EscrowDoc,
    reason: RefundReason,
    ctx: EventContext,
    disputeId?: string,
  ): Promise<void> {
    const ref = escrowRef(escrow)
    const settle = await this.#d.ledger.get(`settle:${escrow._id}`)
    if (!settle) throw new Error(`escrow ${escrow._id} has no settlement to refund`)
    const reservedMinor =
      settle.postings.find((p) => p.account === accounts.refund(escrow._id))?.amountMinor ?? 0
    if (reservedMinor > 0 && !(await this.#d.ledger.get(`refund-paid:${escrow._id}`))) {
      if (!escrow.paymentIntentId)
        throw new NonRetryableError(`escrow ${escrow._id} has no PaymentIntent to refund`)
      const amount = money(reservedMinor, escrow.amount.currency)
      const refundId = await this.#d.stripe.refund(escrow.paymentIntentId, amount, `refund:${escrow._id}`)
      await this.#d.ledger.post(refundPaidTransfer(ref, amount, { type: 'request', id: refundId }), [
        refundIssued(ref, amount, { refundId, reason, partial: settle.kind === 'split', disputeId }, ctx),
      ])
      await this.#d.stores.escrows.change(escrow._id, (e) => (e.refundId ? null : { set: { refundId } }))
    }
    await this.project(escrow._id, settle.kind)
  }

  /** Bring the escrow's status in line with its `settle:` transfer of `kind`. */
  async project(escrowId: string, kind: string): Promise<void> {
    const status = SETTLED_STATUS[kind as keyof typeof SETTLED_STATUS]
    if (!status) return
    await this.#d.stores.escrows.change(escrowId, (e) => (e.status === status ? null : { set: { status } }))
  }
}
