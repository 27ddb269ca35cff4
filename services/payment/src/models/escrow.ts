/**
 * The `escrows` collection: one document per funding attempt of a milestone (`_id`
 * `esc_<milestoneId>_<n>`, domain/escrow.ts). Its `status` is a projection of the ledger; the
 * money lives in the ledger's `escrow:<id>` account (domain/ledger.ts).
 */
import { outboxPlugin, type OutboxFields } from '@kelmah/bus'
import type { Money } from '@kelmah/contracts'
import { Schema, type Connection, type Model } from 'mongoose'
import { ESCROW_STATUSES, type EscrowStatus } from '../domain/escrow.js'
import { MoneySchema } from './money.js'

/** An escrow document. */
export interface EscrowDoc extends OutboxFields {
  _id: string
  contractId: string
  milestoneId: string
  /** 1, 2, … — a new attempt only after the earlier ones failed. */
  attempt: number
  hirerId: string
  workerId: string
  amount: Money
  status: EscrowStatus
  /** The idempotency record of the request that created it (services/funding.ts). */
  requestId: string
  /** The Stripe PaymentIntent (null until Stripe answered). */
  paymentIntentId: string | null
  clientSecret: string | null
  /** Set by `charge.dispute.created` (a card chargeback): no release while frozen. */
  frozen: boolean
  /** The open or resolved dispute of this escrow. */
  disputeId: string | null
  /** The Stripe Refund of a refund or split (once made). */
  refundId: string | null
  failureReason: string | null
  version: number
  createdAt: Date
  updatedAt: Date
}

/** Mongoose schema of `escrows`. */
export const EscrowSchema = new Schema<EscrowDoc>(
  {
    _id: { type: String, required: true },
    contractId: { type: String, required: true },
    milestoneId: { type: String, required: true },
    attempt: { type: Number, required: true },
    hirerId: { type: String, required: true },
    workerId: { type: String, required: true },
    amount: { type: MoneySchema, required: true },
    status: { type: String, required: true, enum: ESCROW_STATUSES },
    requestId: { type: String, required: true },
    paymentIntentId: { type: String, default: null },
    clientSecret: { type: String, default: null },
    frozen: { type: Boolean, default: false },
    disputeId: { type: String, default: null },
    refundId: { type: String, default: null },
    failureReason: { type: String, default: null },
    version: { type: Number, required: true, default: 0 },
  },
  { collection: 'escrows', timestamps: true, minimize: false },
)
EscrowSchema.plugin(outboxPlugin)
// A contract's escrows (the list route, wallet "in escrow"); a milestone's attempts; the webhook's lookup.
EscrowSchema.index({ contractId: 1 })
EscrowSchema.index({ milestoneId: 1 })
EscrowSchema.index({ paymentIntentId: 1 })
EscrowSchema.index({ hirerId: 1, status: 1 })
EscrowSchema.index({ workerId: 1, status: 1 })

/** The `Escrow` model (once per connection). */
export function escrowModel(conn: Connection): Model<EscrowDoc> {
  return (conn.models.Escrow as Model<EscrowDoc> | undefined) ?? conn.model('Escrow', EscrowSchema)
}
