/**
 * Blocks and reports. A block's `_id` is `<blockerId>|<blockedId>` (idempotent insert, exact
 * delete). Reports are kept for admin review (`status: open`).
 */
import { Schema, Types, type Connection, type Model } from 'mongoose'

/** One user blocking another. */
export interface BlockDoc {
  _id: string
  blockerId: string
  blockedId: string
  createdAt: Date
}

/** A report of a user or a message. */
export interface ReportDoc {
  _id: Types.ObjectId
  reporterId: string
  /** The reported user (the message's sender when a message is reported). */
  userId: string
  messageId: string | null
  conversationId: string | null
  reason: string
  details: string | null
  status: 'open' | 'reviewed'
  createdAt: Date
}

const BlockSchema = new Schema<BlockDoc>(
  {
    _id: { type: String, required: true },
    blockerId: { type: String, required: true },
    blockedId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'blocks', versionKey: false },
)
BlockSchema.index({ blockerId: 1 })

const ReportSchema = new Schema<ReportDoc>(
  {
    reporterId: { type: String, required: true },
    userId: { type: String, required: true },
    messageId: { type: String, default: null },
    conversationId: { type: String, default: null },
    reason: { type: String, required: true },
    details: { type: String, default: null },
    status: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'reports', versionKey: false },
)
ReportSchema.index({ status: 1, createdAt: -1 })

/** The block id of `blocker` blocking `blocked`. */
export const blockId = (blocker: string, blocked: string) => `${blocker}|${blocked}`

/** The safety models on `conn`. */
export function safetyModels(conn: Connection): { Block: Model<BlockDoc>; Report: Model<ReportDoc> } {
  return {
    Block: (conn.models.Block as Model<BlockDoc> | undefined) ?? conn.model<BlockDoc>('Block', BlockSchema),
    Report:
      (conn.models.Report as Model<ReportDoc> | undefined) ?? conn.model<ReportDoc>('Report', ReportSchema),
  }
}
