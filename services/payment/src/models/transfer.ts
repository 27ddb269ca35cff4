/**
 * The ledger (`ledger_transfers`): append-only, one immutable document per transfer
 * (domain/ledger.ts). Two unique keys are the commit points: `_id`, the deterministic transfer id
 * (the same business fact never posts twice), and `slot`, the debited limited account's next
 * sequence number (two concurrent debits of one account: one insert wins). The events a transfer
 * causes ride in its own outbox, so they are published once per posted transfer.
 */
import { outboxPlugin, type OutboxFields } from '@kelmah/bus'
import { Schema, type Connection, type Model } from 'mongoose'
import { TRANSFER_KINDS, type PostedTransfer } from '../domain/ledger.js'

/** A transfer as stored. */
export interface TransferDoc extends Omit<PostedTransfer, 'id'>, OutboxFields {
  _id: string
  version: number
  createdAt: Date
}

/** Mongoose schema of `ledger_transfers`. */
export const TransferSchema = new Schema<TransferDoc>(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true, enum: TRANSFER_KINDS },
    currency: { type: String, required: true },
    postings: {
      type: [
        new Schema(
          {
            account: { type: String, required: true },
            amountMinor: { type: Number, required: true, validate: Number.isSafeInteger },
          },
          { _id: false },
        ),
      ],
      required: true,
    },
    accounts: { type: [String], required: true },
    parties: { type: [String], default: [] },
    debitAccount: { type: String, default: null },
    debitSeq: { type: Number, required: true },
    slot: { type: String, required: true },
    cause: {
      type: new Schema(
        { type: { type: String, required: true }, id: { type: String, required: true } },
        { _id: false },
      ),
      required: true,
    },
    contractId: String,
    milestoneId: String,
    escrowId: String,
    payoutId: String,
    disputeId: String,
    version: { type: Number, required: true, default: 0 },
    createdAt: { type: Date, required: true },
  },
  { collection: 'ledger_transfers', minimize: false },
)
TransferSchema.plugin(outboxPlugin)
TransferSchema.index({ slot: 1 }, { unique: true })
// An account's history (balances); a user's transactions, newest first.
TransferSchema.index({ accounts: 1 })
TransferSchema.index({ parties: 1, createdAt: -1, _id: -1 })

/** The `Transfer` model (once per connection). */
export function transferModel(conn: Connection): Model<TransferDoc> {
  return (conn.models.Transfer as Model<TransferDoc> | undefined) ?? conn.model('Transfer', TransferSchema)
}
