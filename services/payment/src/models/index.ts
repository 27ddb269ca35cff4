/** The models of the payment service, by name (one place; `app.ts` builds them once). */
import type { Connection, Model } from 'mongoose'
import { contractViewModel, type ContractViewDoc } from './contract.js'
import { disputeModel, type DisputeDoc } from './dispute.js'
import { escrowModel, type EscrowDoc } from './escrow.js'
import { idempotencyModel, type IdempotencyDoc } from './idempotency.js'
import { payoutAccountModel, payoutModel, type PayoutAccountDoc, type PayoutDoc } from './payout.js'
import { stripeEventModel, type StripeEventDoc } from './stripe-event.js'
import { transferModel, type TransferDoc } from './transfer.js'

/** The models, by name. */
export interface PaymentModels {
  Contract: Model<ContractViewDoc>
  Escrow: Model<EscrowDoc>
  Transfer: Model<TransferDoc>
  Idempotency: Model<IdempotencyDoc>
  StripeEvent: Model<StripeEventDoc>
  Dispute: Model<DisputeDoc>
  PayoutAccount: Model<PayoutAccountDoc>
  Payout: Model<PayoutDoc>
}

/** Create (once per connection) and return the models. */
export function paymentModels(conn: Connection): PaymentModels {
  return {
    Contract: contractViewModel(conn),
    Escrow: escrowModel(conn),
    Transfer: transferModel(conn),
    Idempotency: idempotencyModel(conn),
    StripeEvent: stripeEventModel(conn),
    Dispute: disputeModel(conn),
    PayoutAccount: payoutAccountModel(conn),
    Payout: payoutModel(conn),
  }
}

/** Build every model's indexes (the unique ones are commit points: they must exist before traffic). */
export async function initModels(models: PaymentModels): Promise<void> {
  await Promise.all(Object.values(models).map((m: Model<unknown>) => m.init()))
}

export type {
  ContractViewDoc,
  DisputeDoc,
  EscrowDoc,
  IdempotencyDoc,
  PayoutAccountDoc,
  PayoutDoc,
  StripeEventDoc,
  TransferDoc,
}
