/**
 * `review_reports`: a signed-in user's report of a review, for the admins' queue. One per user
 * and review (unique `(reviewId, reporterId)`); an admin resolves or dismisses it.
 */
import { outboxPlugin, type OutboxFields } from '@kelmah/bus'
import { Schema, type Connection, type Model, type Types } from 'mongoose'

/** Where a report stands. */
export type ReportStatus = 'open' | 'resolved' | 'dismissed'

/** A report document. */
export interface ReportDoc extends OutboxFields {
  _id: Types.ObjectId
  reviewId: string
  reporterId: string
  reason: string
  status: ReportStatus
  closedBy: string | null
  closedAt: Date | null
  note: string | null
  version: number
  createdAt: Date
  updatedAt: Date
}

/** Mongoose schema of `review_reports`. */
export const ReportSchema = new Schema<ReportDoc>(
  {
    reviewId: { type: String, required: true },
    reporterId: { type: String, required: true },
    reason: { type: String, required: true },
    status: { type: String, required: true, enum: ['open', 'resolved', 'dismissed'] },
    closedBy: { type: String, default: null },
    closedAt: { type: Date, default: null },
    note: { type: String, default: null },
    version: { type: Number, required: true, default: 0 },
  },
  { collection: 'review_reports', timestamps: true, minimize: false },
)
ReportSchema.plugin(outboxPlugin)
ReportSchema.index({ reviewId: 1, reporterId: 1 }, { unique: true })
ReportSchema.index({ status: 1, createdAt: -1, _id: -1 })

/** The `Report` model (once per connection). */
export function reportModel(conn: Connection): Model<ReportDoc> {
  return (conn.models.Report as Model<ReportDoc> | undefined) ?? conn.model<ReportDoc>('Report', ReportSchema)
}
