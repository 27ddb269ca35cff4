/**
 * `payout_accounts` (a worker's Stripe Connect Express account, `_id` = user id: one per user by
 * its unique insert) and `payouts` (one per payout request; its money moves in the ledger's
 * `payout:<id>` transfers, domain/ledger.ts).
 */
import { outboxPlugin, type OutboxFields } from '@kelmah/bus'
import type { Money } from '@kelmah/contracts'
import { Schema, type Connection, type Model } from 'mongoose'
import { MoneySchema } from './money.js'

/** A worker's payout account. */
export interface PayoutAccountDoc {
  _id: string
  stripeAccountId: string
  createdAt: Date
}

/** A payout's status: reserved in the ledger, sent by Stripe, or refused by Stripe (money back in the wallet). */
export type PayoutStatus = 'pending' | 'completed' | 'failed'

/** A payout document. */
export interface PayoutDoc extends OutboxFields {
  _id: string
  userId: string
  amount: Money
  stripeAccountId: string
  status: PayoutStatus
  stripeTransferId: string | null
  failureReason: string | null
  version: number
  createdAt: Date
  updatedAt: Date
}

/** Mongoose schema of `payout_accounts`. */
export const PayoutAccountSchema = new Schema<PayoutAccountDoc>(
  {
    _id: { type: String, required: true },
    stripeAccountId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'payout_accounts' },
)

/** Mongoose schema of `payouts`. */
export const PayoutSchema = new Schema<PayoutDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    amount: { type: MoneySchema, required: true },
    stripeAccountId: { type: String, required: true },
    status: { type: String, required: true, enum: ['pending', 'completed', 'failed'] },
    stripeTransferId: { type: String, default: null },
    failureReason: { type: String, default: null },
    version: { type: Number, required: true, default: 0 },
  },
  { collection: 'payouts', timestamps: true, minimize: false },
)
PayoutSchema.plugin(outboxPlugin)
PayoutSchema.index({ userId: 1, createdAt: -1 })

/** The `PayoutAccount` model (once per connection). */
export function payoutAccountModel(conn: Connection): Model<PayoutAccountDoc> {
  return (
    (conn.models.PayoutAccount as Model<PayoutAccountDoc> | undefined) ??
    conn.model('PayoutAccount', PayoutAccountSchema)
  )
}

/** The `Payout` model (once per connection). */
export function payoutModel(conn: Connection): Model<PayoutDoc> {
  return (conn.models.Payout as Model<PayoutDoc> | undefined) ?? conn.model('Payout', PayoutSchema)
}
