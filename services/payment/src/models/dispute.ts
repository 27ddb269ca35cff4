/**
 * `disputes`: a party's dispute of a funded milestone, resolved by an admin. The unique
 * `escrowId` makes one dispute per escrow (two concurrent raises: one wins).
 */
import { outboxPlugin, type OutboxFields } from '@kelmah/bus'
import type { Money } from '@kelmah/contracts'
import { Schema, type Connection, type Model, type Types } from 'mongoose'
import type { DisputeOutcome } from '../domain/disputes.js'
import { MoneySchema } from './money.js'

/** A dispute document. */
export interface DisputeDoc extends OutboxFields {
  _id: Types.ObjectId
  escrowId: string
  contractId: string
  milestoneId: string
  hirerId: string
  workerId: string
  raisedBy: string
  reason: string
  status: 'open' | 'resolved'
  outcome: DisputeOutcome | null
  workerAmount: Money | null
  refundAmount: Money | null
  resolvedBy: string | null
  resolvedAt: Date | null
  note: string | null
  version: number
  createdAt: Date
  updatedAt: Date
}

/** Mongoose schema of `disputes`. */
export const DisputeSchema = new Schema<DisputeDoc>(
  {
    escrowId: { type: String, required: true },
    contractId: { type: String, required: true },
    milestoneId: { type: String, required: true },
    hirerId: { type: String, required: true },
    workerId: { type: String, required: true },
    raisedBy: { type: String, required: true },
    reason: { type: String, required: true },
    status: { type: String, required: true, enum: ['open', 'resolved'] },
    outcome: { type: String, default: null },
    workerAmount: { type: MoneySchema, default: null },
    refundAmount: { type: MoneySchema, default: null },
    resolvedBy: { type: String, default: null },
    resolvedAt: { type: Date, default: null },
    note: { type: String, default: null },
    version: { type: Number, required: true, default: 0 },
  },
  { collection: 'disputes', timestamps: true, minimize: false },
)
DisputeSchema.plugin(outboxPlugin)
DisputeSchema.index({ escrowId: 1 }, { unique: true })
DisputeSchema.index({ status: 1, createdAt: -1, _id: -1 })

/** The `Dispute` model (once per connection). */
export function disputeModel(conn: Connection): Model<DisputeDoc> {
  return (conn.models.Dispute as Model<DisputeDoc> | undefined) ?? conn.model('Dispute', DisputeSchema)
}
