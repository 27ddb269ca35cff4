/**
 * `messages`: text, system, attachment and call-log messages. `dedupeKey` is unique: a client's
 * `clientId` (`<senderId>:c:<clientId>`) makes a re-sent frame return the stored message instead
 * of a duplicate, and a system message's key (`<eventId>:<conversationId>`) makes event handlers
 * idempotent. `MessageSent` rides in the inserted document's outbox.
 *
 * `recipientId` is the other participant for user messages (unread counts are "messages to me
 * with no `readAt`"); null for system and call messages, which are never unread.
 */
import { outboxPlugin, type OutboxFields } from '@kelmah/bus'
import { Schema, Types, type Connection, type Model } from 'mongoose'

/** Message types. */
export type MessageType = 'text' | 'system' | 'attachment' | 'call'

/** An attachment stored in GridFS (`attachments.files` / `attachments.chunks`). */
export interface AttachmentRef {
  id: string
  filename: string
  contentType: string
  size: number
}

/** The log of one call. */
export interface CallLog {
  callId: string
  callerId: string
  media: 'audio' | 'video'
  /** completed, declined, missed (never answered), cancelled (caller hung up while ringing), failed. */
  outcome: 'completed' | 'declined' | 'missed' | 'cancelled' | 'failed'
  startedAt: Date
  answeredAt: Date | null
  endedAt: Date
  /** Seconds from answer to end; 0 when never answered. */
  durationS: number
  /** Why it ended (hangup, max_duration, disconnected, ring_timeout, declined). */
  endReason: string
}

/** An admin's removal of a message (resolving a report with `remove_message`). */
export interface MessageRemoval {
  /** The admin's user id. */
  by: string
  at: Date
  /** The report whose resolution removed it. */
  reportId: string
}

/** A message as stored. */
export interface MessageDoc extends OutboxFields {
  _id: Types.ObjectId
  conversationId: string
  /** The sender's user id; `system` for system messages. */
  senderId: string
  recipientId: string | null
  type: MessageType
  /** Text as sent (empty once deleted). */
  content: string
  kind: string | null
  attachment: AttachmentRef | null
  call: CallLog | null
  dedupeKey: string
  clientId: string | null
  createdAt: Date
  readAt: Date | null
  editedAt: Date | null
  deletedAt: Date | null
  /** Set when an admin removed the message for everyone (`deletedAt` is set too; absent otherwise). */
  removal?: MessageRemoval | null
  /** Write counter guarding edits and deletes (the store bumps it; absent on documents from before it). */
  version?: number
}

/** Mongoose schema of `messages`. */
export const MessageSchema = new Schema<MessageDoc>(
  {
    conversationId: { type: String, required: true },
    senderId: { type: String, required: true },
    recipientId: { type: String, default: null },
    type: { type: String, required: true },
    content: { type: String, default: '' },
    kind: { type: String, default: null },
    attachment: { type: Schema.Types.Mixed, default: null },
    call: { type: Schema.Types.Mixed, default: null },
    dedupeKey: { type: String, required: true },
    clientId: { type: String, default: null },
    createdAt: { type: Date, required: true },
    readAt: { type: Date, default: null },
    editedAt: { type: Date, default: null },
    deletedAt: { type: Date, default: null },
    removal: { type: Schema.Types.Mixed, default: undefined },
    version: { type: Number, default: 0 },
  },
  { collection: 'messages', versionKey: false },
)
MessageSchema.plugin(outboxPlugin)
MessageSchema.index({ dedupeKey: 1 }, { unique: true })
MessageSchema.index({ conversationId: 1, createdAt: -1, _id: -1 })
MessageSchema.index({ recipientId: 1, readAt: 1 })

/** The Message model on `conn`. */
export function messageModel(conn: Connection): Model<MessageDoc> {
  return (
    (conn.models.Message as Model<MessageDoc> | undefined) ?? conn.model<MessageDoc>('Message', MessageSchema)
  )
}
