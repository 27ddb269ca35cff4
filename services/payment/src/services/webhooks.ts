/**
 * Stripe webhook events (`POST /api/webhooks/stripe`): verified (services/stripe.ts), recorded by
 * Stripe event id (`stripe_events`: a replay is acknowledged with no second effect), applied:
 *
 * - `payment_intent.succeeded` — the escrow whose PaymentIntent it is, when amount and currency
 *   match, is funded: the ledger posts `fund:<escrowId>` (Stripe clearing → the escrow account)
 *   with `EscrowFunded` in its outbox, then the escrow's status follows. A mismatch is refused,
 *   logged at error and recorded `rejected`, never applied. An event whose escrow does not know
 *   the PaymentIntent yet (it arrived before step 4 of services/funding.ts) is `parked` and applied
 *   when the escrow records the id.
 * - `payment_intent.payment_failed` — a pending escrow becomes `failed` (the hirer may fund again).
 * - `charge.dispute.created` — a card chargeback: the escrow is frozen (no release while frozen).
 * - anything else — acknowledged and recorded `ignored`.
 *
 * Every effect is idempotent on its own (the fund transfer's id, status guards), so an event
 * processed halfway before a crash is simply processed again when Stripe redelivers it.
 */
import type { EventContext } from '@kelmah/contracts'
import { isDuplicateKey } from '@kelmah/service-kit'
import { fundTransfer } from '../domain/ledger.js'
import { escrowFunded } from '../events/publishers.js'
import type { EscrowDoc } from '../models/index.js'
import type { StripeEventStatus } from '../models/stripe-event.js'
import { escrowRef, type PaymentDeps } from './deps.js'
import type { StripeEvent } from './stripe.js'

/** What became of one webhook delivery (the route's 200 body). */
export interface WebhookOutcome {
  received: true
  eventId: string
  status: StripeEventStatus
  duplicate: boolean
}

/** Called when an escrow is funded on a contract that was cancelled meanwhile (settlement refunds it). */
export type OnFundedLate = (escrow: EscrowDoc, ctx: EventContext) => Promise<void>

/** The fields of a PaymentIntent the handlers read. */
interface IntentFields {
  id: string
  amount: number
  amount_received?: number
  currency: string
  metadata?: Record<string, string> | null
  last_payment_error?: { message?: string } | null
}

/** The webhook use case. */
export class Webhooks {
  readonly #d: PaymentDeps
  #onFundedLate: OnFundedLate | undefined

  constructor(deps: PaymentDeps) {
    this.#d = deps
  }

  /** Set what happens to money funded after its contract was cancelled (wired in use-cases.ts). */
  onFundedLate(fn: OnFundedLate): void {
    this.#onFundedLate = fn
  }

  /**
   * Verify, record and apply one delivery.
   *
   * @throws BadWebhookSignature (400) when the signature does not verify (nothing is recorded)
   */
  async receive(raw: Buffer, signature: string | undefined, ctx: EventContext): Promise<WebhookOutcome> {
    const nowS = Math.floor(this.#d.now().getTime() / 1000)
    const event = this.#d.stripe.verifyWebhook(raw, signature, nowS)
    const object = event.data.object as unknown as Record<string, unknown>
    const paymentIntentId = event.type.startsWith('payment_intent.')
      ? String(object.id)
      : typeof object.payment_intent === 'string'
        ? object.payment_intent
        : null
    const now = this.#d.now()
    let duplicate = false
    try {
      await this.#d.models.StripeEvent.create({
        _id: event.id,
        type: event.type,
        paymentIntentId,
        status: 'received',
        note: null,
        payload: event,
        receivedAt: now,
        updatedAt: now,
      })
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
      duplicate = true
      const seen = await this.#d.models.StripeEvent.findById(event.id).lean()
      if (seen && seen.status !== 'received') {
        return { received: true, eventId: event.id, status: seen.status, duplicate }
      }
    }
    const status = await this.#apply(event, ctx)
    return { received: true, eventId: event.id, status, duplicate }
  }

  /** Apply events parked for `paymentIntentId` (its escrow now knows it). */
  async applyParked(paymentIntentId: string, ctx: EventContext): Promise<void> {
    const parked = await this.#d.models.StripeEvent.find({ paymentIntentId, status: 'parked' }).lean()
    for (const p of parked) await this.#apply(p.payload as StripeEvent, ctx)
  }

  /** Dispatch by type and record the outcome. */
  async #apply(event: StripeEvent, ctx: EventContext): Promise<StripeEventStatus> {
    const type: string = event.type
    const object = event.data.object as unknown
    const { status, note } =
      type === 'payment_intent.succeeded'
        ? await this.#succeeded(object as IntentFields, event.id, ctx)
        : type === 'payment_intent.payment_failed'
          ? await this.#failed(object as IntentFields)
          : type === 'charge.dispute.created'
            ? await this.#chargeback(object as Record<string, unknown>)
            : { status: 'ignored' as const, note: `${type} is not used` }
    await this.#d.models.StripeEvent.updateOne(
      { _id: event.id },
      { $set: { status, note, updatedAt: this.#d.now() } },
    )
    return status
  }

  /**
   * The escrow holding this PaymentIntent id, or null (an event ahead of the escrow's record is
   * parked by the caller, never matched by metadata: only the recorded id ties a payment to an escrow).
   */
  async #escrowOf(pi: Pick<IntentFields, 'id'>): Promise<EscrowDoc | null> {
    return this.#d.models.Escrow.findOne({ paymentIntentId: pi.id }).lean()
  }

  async #succeeded(
    pi: IntentFields,
    stripeEventId: string,
    ctx: EventContext,
  ): Promise<{ status: StripeEventStatus; note: string | null }> {
    const escrow = await this.#escrowOf(pi)
    if (!escrow) return { status: 'parked', note: `no escrow knows ${pi.id} yet` }
    const received = pi.amount_received ?? pi.amount
    if (received !== escrow.amount.amountMinor || pi.currency.toUpperCase() !== escrow.amount.currency) {
      const note = `paid ${received} ${pi.currency}, escrow ${escrow._id} expects ${escrow.amount.amountMinor} ${escrow.amount.currency}`
      this.#d.logger.error(
        { paymentIntentId: pi.id, escrowId: escrow._id, stripeEventId },
        `payment refused: ${note}`,
      )
      return { status: 'rejected', note }
    }
    const ref = escrowRef(escrow)
    const { created } = await this.#d.ledger.post(fundTransfer(ref, { type: 'webhook', id: stripeEventId }), [
      escrowFunded(ref, pi.id, ctx),
    ])
    const funded = await this.#d.stores.escrows.change(escrow._id, (e) =>
      e.status === 'pending' || e.status === 'failed'
        ? { set: { status: 'funded', failureReason: null } }
        : null,
    )
    if (created) {
      const contract = await this.#d.models.Contract.findById(escrow.contractId).select({ status: 1 }).lean()
      if (contract?.status === 'cancelled') await this.#onFundedLate?.(funded, ctx)
    }
    return { status: 'applied', note: created ? null : 'already funded' }
  }

  async #failed(pi: IntentFields): Promise<{ status: StripeEventStatus; note: string | null }> {
    const escrow = await this.#escrowOf(pi)
    if (!escrow) return { status: 'ignored', note: `no escrow knows ${pi.id}` }
    const reason = pi.last_payment_error?.message ?? 'the payment failed'
    await this.#d.stores.escrows.change(escrow._id, (e) =>
      e.status === 'pending' ? { set: { status: 'failed', failureReason: reason.slice(0, 500) } } : null,
    )
    return { status: 'applied', note: null }
  }

  async #chargeback(
    dispute: Record<string, unknown>,
  ): Promise<{ status: StripeEventStatus; note: string | null }> {
    const piId = typeof dispute.payment_intent === 'string' ? dispute.payment_intent : null
    const escrow = piId ? await this.#d.models.Escrow.findOne({ paymentIntentId: piId }).lean() : null
    if (!escrow) return { status: 'ignored', note: `no escrow knows ${piId ?? 'this charge'}` }
    await this.#d.stores.escrows.change(escrow._id, (e) => (e.frozen ? null : { set: { frozen: true } }))
    this.#d.logger.warn({ escrowId: escrow._id, paymentIntentId: piId }, 'card chargeback: escrow frozen')
    return { status: 'applied', note: 'escrow frozen' }
  }
}
