/**
 * `conversations`: one document per (pair, job). `key` (`<a>|<b>|<jobId or ->`, participants
 * sorted) carries a unique index: concurrent "find or create" calls race on the insert and
 * exactly one wins, on MongoDB 7 and FerretDB 1.24 alike. `ConversationCreated` rides in the
 * inserted document's outbox.
 */
import { outboxPlugin, type OutboxFields } from '@kelmah/bus'
import { Schema, Types, type Connection, type Model } from 'mongoose'

/** The last message of a conversation, denormalised for the list. */
export interface LastMessage {
  id: string
  senderId: string
  type: string
  /** At most 140 characters. */
  preview: string
  createdAt: Date
}

/** A conversation as stored. */
export interface ConversationDoc extends OutboxFields {
  _id: Types.ObjectId
  key: string
  /** The two user ids, sorted. */
  participantIds: [string, string]
  jobId: string | null
  /** Who opened it; null when an event did. */
  createdBy: string | null
  createdAt: Date
  /** Time of the last message (or creation): the list's sort key. */
  lastActivityAt: Date
  lastMessage: LastMessage | null
  /** Write counter guarding changes (the store bumps it; absent on documents from before it). */
  version?: number
}

const LastMessageSchema = new Schema<LastMessage>(
  {
    id: String,
    senderId: String,
    type: String,
    preview: String,
    createdAt: Date,
  },
  { _id: false },
)

/** Mongoose schema of `conversations`. */
export const ConversationSchema = new Schema<ConversationDoc>(
  {
    key: { type: String, required: true },
    participantIds: { type: [String], required: true },
    jobId: { type: String, default: null },
    createdBy: { type: String, default: null },
    createdAt: { type: Date, required: true },
    lastActivityAt: { type: Date, required: true },
    lastMessage: { type: LastMessageSchema, default: null },
    version: { type: Number, default: 0 },
  },
  { collection: 'conversations', versionKey: false },
)
ConversationSchema.plugin(outboxPlugin)
ConversationSchema.index({ key: 1 }, { unique: true })
ConversationSchema.index({ participantIds: 1, lastActivityAt: -1 })
ConversationSchema.index({ jobId: 1 })

/** The Conversation model on `conn`. */
export function conversationModel(conn: Connection): Model<ConversationDoc> {
  return (
    (conn.models.Conversation as Model<ConversationDoc> | undefined) ??
    conn.model<ConversationDoc>('Conversation', ConversationSchema)
  )
}
