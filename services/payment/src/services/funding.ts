/**
 * Funding a milestone's escrow (`POST /api/payments/escrow`), and reading escrows.
 *
 * The order of writes is what makes a crash or a retry safe (stripe-mock ignores idempotency keys,
 * so ours must hold on its own):
 *
 * 1. the idempotency record, naming the escrow id this request will create (its unique insert:
 *    a second request with the key finds it and continues, or replays the response);
 * 2. the escrow, `pending` (its unique `_id` `esc_<milestoneId>_<n>`: two requests with different
 *    keys for one milestone — one wins, the other gets 409);
 * 3. the Stripe PaymentIntent, with the idempotency key `escrow:<escrowId>` (at most one per
 *    escrow at Stripe, whoever retries);
 * 4. the PaymentIntent's id on the escrow, then any webhook event that arrived for it first.
 *
 * A failure at 3 leaves a pending escrow without a PaymentIntent and the key's lease given back:
 * the retry with the same key resumes at 3. Money is never moved here: the escrow is funded by the
 * verified webhook (services/webhooks.ts).
 */
import type { EventContext } from '@kelmah/contracts'
import type { Caller } from '@kelmah/service-kit'
import { escrowId as attemptId, nextAttempt } from '../domain/escrow.js'
import {
  ContractNotActive,
  ContractNotFound,
  EscrowNotFound,
  MilestoneAlreadyFunded,
  MilestoneNotFound,
  NotTheHirer,
} from '../errors.js'
import type { ContractViewDoc, EscrowDoc } from '../models/index.js'
import type { PaymentDeps } from './deps.js'
import type { StoredResponse } from './idempotent-requests.js'
import type { Webhooks } from './webhooks.js'

/** An escrow as the API shows it. */
export interface EscrowView {
  id: string
  contractId: string
  milestoneId: string
  hirerId: string
  workerId: string
  amount: { amountMinor: number; currency: string }
  status: EscrowDoc['status']
  frozen: boolean
  disputeId: string | null
  paymentIntentId: string | null
  createdAt: string
  updatedAt: string
}

/** The view of an escrow (the client secret only in the funding response, to the hirer). */
export function escrowView(e: EscrowDoc): EscrowView {
  return {
    id: e._id,
    contractId: e.contractId,
    milestoneId: e.milestoneId,
    hirerId: e.hirerId,
    workerId: e.workerId,
    amount: { amountMinor: e.amount.amountMinor, currency: e.amount.currency },
    status: e.status,
    frozen: e.frozen,
    disputeId: e.disputeId,
    paymentIntentId: e.paymentIntentId,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  }
}

/** True when `caller` is a party of `contract` or an admin. */
export function mayRead(caller: Caller, contract: Pick<ContractViewDoc, 'hirerId' | 'workerId'>): boolean {
  return caller.role === 'admin' || caller.sub === contract.hirerId || caller.sub === contract.workerId
}

/** The funding use cases. */
export class Funding {
  readonly #d: PaymentDeps
  readonly #webhooks: Webhooks

  constructor(deps: PaymentDeps, webhooks: Webhooks) {
    this.#d = deps
    this.#webhooks = webhooks
  }

  /**
   * Fund a milestone (module header for the order of writes).
   *
   * @returns 201 with `{id, contractId, milestoneId, amount, status, paymentIntentId, clientSecret}`
   *   — or the first response again for a retry with the same key and body
   * @throws ContractNotFound (404) when the caller is not a party of a contract known here;
   *   NotTheHirer (403) for the worker; ContractNotActive (409) unless the contract is signed and
   *   running; MilestoneNotFound (404); MilestoneAlreadyFunded (409); the idempotency problems
   *   (400/409/422, services/idempotent-requests.ts); StripeUnavailable (502) / StripeRefused (422)
   */
  async fund(
    caller: Caller,
    body: { contractId: string; milestoneId: string },
    key: string | string[] | undefined,
    ctx: EventContext,
  ): Promise<StoredResponse> {
    const contract = await this.#d.models.Contract.findById(body.contractId).lean()
    if (!contract || !mayRead(caller, contract)) throw new ContractNotFound(body.contractId)
    if (caller.sub !== contract.hirerId) throw new NotTheHirer()
    const milestone = contract.milestones.find((m) => m.milestoneId === body.milestoneId)
    if (!milestone) throw new MilestoneNotFound(body.milestoneId)
    const begun = await this.#d.requests.begin('fund-escrow', caller.sub, key, body, async () => {
      if (contract.status !== 'active') throw new ContractNotActive(contract.status)
      const earlier = await this.#d.models.Escrow.find({ milestoneId: milestone.milestoneId })
        .select({ _id: 1, attempt: 1, status: 1 })
        .lean()
      return attemptId(milestone.milestoneId, nextAttempt(earlier))
    })
    if (begun.kind === 'replay') return begun.response
    return this.#d.requests.run(begun.recordId, async () => {
      const escrow = await this.#createEscrow(
        begun.resourceId,
        begun.recordId,
        contract,
        milestone.milestoneId,
      )
      const withIntent = await this.#ensurePaymentIntent(escrow, ctx)
      return {
        status: 201,
        body: {
          id: withIntent._id,
          contractId: withIntent.contractId,
          milestoneId: withIntent.milestoneId,
          amount: withIntent.amount,
          status: withIntent.status,
          paymentIntentId: withIntent.paymentIntentId,
          clientSecret: withIntent.clientSecret,
        },
      }
    })
  }

  /** The escrow `id` of this request: created now, or found from an earlier try of the same request. */
  async #createEscrow(
    id: string,
    requestId: string,
    contract: ContractViewDoc,
    milestoneId: string,
  ): Promise<EscrowDoc> {
    const existing = await this.#d.stores.escrows.get(id)
    if (existing) {
      if (existing.requestId !== requestId) throw new MilestoneAlreadyFunded(existing._id, existing.status)
      return existing
    }
    const milestone = contract.milestones.find((m) => m.milestoneId === milestoneId)
    if (!milestone) throw new MilestoneNotFound(milestoneId)
    const attempt = Number(id.slice(id.lastIndexOf('_') + 1))
    try {
      return await this.#d.stores.escrows.create({
        _id: id,
        contractId: contract._id,
        milestoneId,
        attempt,
        hirerId: contract.hirerId,
        workerId: contract.workerId,
        amount: { amountMinor: milestone.amount.amountMinor, currency: milestone.amount.currency },
        status: 'pending',
        requestId,
        paymentIntentId: null,
        clientSecret: null,
        frozen: false,
        disputeId: null,
        refundId: null,
        failureReason: null,
        version: 0,
        createdAt: this.#d.now(),
        updatedAt: this.#d.now(),
      })
    } catch (err) {
      const raced = await this.#d.stores.escrows.get(id)
      if (raced && raced.requestId === requestId) return raced
      if (raced) throw new MilestoneAlreadyFunded(raced._id, raced.status)
      throw err
    }
  }

  /** Steps 3–4 of the module header. */
  async #ensurePaymentIntent(escrow: EscrowDoc, ctx: EventContext): Promise<EscrowDoc> {
    if (escrow.paymentIntentId) {
      // A retry: apply what Stripe may have sent while the first try was cut short.
      await this.#webhooks.applyParked(escrow.paymentIntentId, ctx)
      return (await this.#d.stores.escrows.get(escrow._id)) ?? escrow
    }
    const intent = await this.#d.stripe.createPaymentIntent(escrow.amount, {
      transferGroup: escrow.contractId,
      metadata: { escrowId: escrow._id, contractId: escrow.contractId, milestoneId: escrow.milestoneId },
      idempotencyKey: `escrow:${escrow._id}`,
    })
    const updated = await this.#d.stores.escrows.change(escrow._id, (e) =>
      e.paymentIntentId ? null : { set: { paymentIntentId: intent.id, clientSecret: intent.clientSecret } },
    )
    if (updated.paymentIntentId) await this.#webhooks.applyParked(updated.paymentIntentId, ctx)
    return (await this.#d.stores.escrows.get(escrow._id)) ?? updated
  }

  /**
   * A contract's escrows, newest attempt last, for its two parties and admins.
   *
   * @throws ContractNotFound (404) for anyone else, or a contract not known here
   */
  async list(caller: Caller, contractId: string): Promise<EscrowView[]> {
    const contract = await this.#d.models.Contract.findById(contractId).lean()
    if (!contract || !mayRead(caller, contract)) throw new ContractNotFound(contractId)
    const escrows = await this.#d.models.Escrow.find({ contractId }).lean()
    return escrows
      .sort((a, b) =>
        a.milestoneId === b.milestoneId
          ? a.attempt - b.attempt
          : a.createdAt.getTime() - b.createdAt.getTime(),
      )
      .map(escrowView)
  }

  /**
   * One escrow, for the contract's two parties and admins.
   *
   * @throws EscrowNotFound (404) for anyone else
   */
  async get(caller: Caller, id: string): Promise<EscrowView> {
    const escrow = await this.#d.stores.escrows.get(id)
    if (!escrow || !mayRead(caller, escrow)) throw new EscrowNotFound(id)
    return escrowView(escrow)
  }
}
