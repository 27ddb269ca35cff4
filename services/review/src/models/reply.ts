/**
 * `replies`: the subject's one reply to a revealed review (`_id` = the review's id). The insert
 * is the commit point of "once": a second reply, from any process, is a duplicate key. Never
 * updated.
 */
import { outboxPlugin, type OutboxFields } from '@kelmah/bus'
import { Schema, type Connection, type Model } from 'mongoose'

/** A reply document. */
export interface ReplyDoc extends OutboxFields {
  /** The review replied to. */
  _id: string
  authorId: string
  comment: string
  createdAt: Date
  version: number
}

/** Mongoose schema of `replies`. */
export const ReplySchema = new Schema<ReplyDoc>(
  {
    _id: { type: String, required: true },
    authorId: { type: String, required: true },
    comment: { type: String, required: true },
    createdAt: { type: Date, required: true },
    version: { type: Number, required: true, default: 0 },
  },
  { collection: 'replies', minimize: false },
)
ReplySchema.plugin(outboxPlugin)

/** The `Reply` model (once per connection). */
export function replyModel(conn: Connection): Model<ReplyDoc> {
  return (conn.models.Reply as Model<ReplyDoc> | undefined) ?? conn.model<ReplyDoc>('Reply', ReplySchema)
}
