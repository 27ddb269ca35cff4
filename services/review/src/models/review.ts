/**
 * `reviews`: one party's review of the other after a contract. Written once (no edits); the
 * unique `(contractId, authorId)` index is the commit point of "one review per author per
 * contract" — two concurrent submissions, from any two processes, insert once.
 *
 * Whether a review is public is NOT stored here: it is the existence of its contract's `reveals`
 * document (models/reveal.ts), inserted once. (Setting a flag on both reviews would be a second
 * write racing the outbox relay's clean-up of the review just inserted, which FerretDB may lose:
 * libs/bus outbox.ts.) Moderation (`hidden`) is a later change through the store.
 */
import { outboxPlugin, type OutboxFields } from '@kelmah/bus'
import { Schema, type Connection, type Model, type Types } from 'mongoose'
import type { Side } from '../domain/eligibility.js'
import type { AspectRatings } from '../domain/ratings.js'

/** A moderator's decision on a review. */
export interface Moderation {
  hidden: boolean
  reason: string
  by: string
  at: Date
}

/** A review document. */
export interface ReviewDoc extends OutboxFields {
  _id: Types.ObjectId
  contractId: string
  jobId: string
  authorId: string
  authorRole: Side
  subjectId: string
  subjectRole: Side
  /** 1–5 stars. */
  rating: number
  aspects: AspectRatings | null
  comment: string
  /** Feedback to the platform: admins only. */
  privateNote: string | null
  /** Hidden by a moderator: out of every list and aggregate. */
  hidden: boolean
  /** The last moderation decision (hide or restore), or null. */
  moderation: Moderation | null
  version: number
  createdAt: Date
  updatedAt: Date
}

const Star = { type: Number, min: 1, max: 5 }

/** Mongoose schema of `reviews`. */
export const ReviewSchema = new Schema<ReviewDoc>(
  {
    contractId: { type: String, required: true },
    jobId: { type: String, required: true },
    authorId: { type: String, required: true },
    authorRole: { type: String, required: true, enum: ['hirer', 'worker'] },
    subjectId: { type: String, required: true },
    subjectRole: { type: String, required: true, enum: ['hirer', 'worker'] },
    rating: { ...Star, required: true },
    aspects: {
      type: new Schema(
        { communication: Star, quality: Star, timeliness: Star, professionalism: Star },
        { _id: false },
      ),
      default: null,
    },
    comment: { type: String, default: '' },
    privateNote: { type: String, default: null },
    hidden: { type: Boolean, required: true, default: false },
    moderation: {
      type: new Schema<Moderation>(
        {
          hidden: { type: Boolean, required: true },
          reason: { type: String, required: true },
          by: { type: String, required: true },
          at: { type: Date, required: true },
        },
        { _id: false },
      ),
      default: null,
    },
    version: { type: Number, required: true, default: 0 },
  },
  { collection: 'reviews', timestamps: true, minimize: false },
)
ReviewSchema.plugin(outboxPlugin)
ReviewSchema.index({ contractId: 1, authorId: 1 }, { unique: true })
ReviewSchema.index({ subjectId: 1, createdAt: -1, _id: -1 })
ReviewSchema.index({ authorId: 1, createdAt: -1, _id: -1 })

/** The `Review` model (once per connection). */
export function reviewModel(conn: Connection): Model<ReviewDoc> {
  return (conn.models.Review as Model<ReviewDoc> | undefined) ?? conn.model<ReviewDoc>('Review', ReviewSchema)
}
