/**
 * Blocks and reports. A block's `_id` is `<blockerId>|<blockedId>` (idempotent insert, exact
 * delete). A report waits in the admins' queue (`status: open`) until an admin resolves or
 * dismisses it — once: the close is committed by a unique insert into `report_closures`
 * (`_id` = the report id), the one write FerretDB 1.24 makes atomic across processes
 * (docs/ferretdb.md); the report then takes the closure's values through its store's guarded
 * write (`src/services/moderation.ts`).
 */
import { outboxPlugin, type OutboxFields } from '@kelmah/bus'
import { Schema, Types, type Connection, type Model } from 'mongoose'

/** One user blocking another. */
export interface BlockDoc {
  _id: string
  blockerId: string
  blockedId: string
  createdAt: Date
}

/** Where a report stands. */
export type ReportStatus = 'open' | 'resolved' | 'dismissed'

/** What a resolution did besides closing the report. */
export type ResolutionAction = 'none' | 'remove_message'

/**
 * The reported message as the reporter saw it, copied when the report was made — so the admin
 * sees what was reported even after the sender edited or deleted it.
 */
export interface MessageSnapshot {
  id: string
  conversationId: string
  senderId: string
  type: string
  content: string
  attachment: { id: string; filename: string; contentType: string; size: number } | null
  createdAt: Date
  editedAt: Date | null
  /** When the copy was taken (the report's time). */
  capturedAt: Date
}

/** How a report was closed (the `report_closures` entry, copied onto the report). */
export interface ReportClosure {
  status: Exclude<ReportStatus, 'open'>
  /** The admin's user id. */
  by: string
  at: Date
  reason: string
  action: ResolutionAction
  /** The admin's request (`x-request-id`). */
  requestId: string
}

/** A report of a user or a message. */
export interface ReportDoc extends OutboxFields {
  _id: Types.ObjectId
  reporterId: string
  /** The reported user (the message's sender when a message is reported). */
  userId: string
  messageId: string | null
  conversationId: string | null
  reason: string
  details: string | null
  status: ReportStatus
  /** The reported message when reported (null for a report of a user, and for reports made before snapshots). */
  snapshot?: MessageSnapshot | null
  closure?: ReportClosure | null
  createdAt: Date
  /** Write counter of the store's guard (absent on reports from before it: the store matches `null`). */
  version?: number
}

/** The commit point of closing a report: at most one per report, ever. */
export interface ReportClosureDoc extends ReportClosure {
  /** The report id (hex). */
  _id: string
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
    status: { type: String, required: true, enum: ['open', 'resolved', 'dismissed'] },
    snapshot: { type: Schema.Types.Mixed, default: null },
    closure: { type: Schema.Types.Mixed, default: null },
    createdAt: { type: Date, required: true },
    version: { type: Number, default: 0 },
  },
  { collection: 'reports', versionKey: false },
)
ReportSchema.plugin(outboxPlugin)
ReportSchema.index({ status: 1, createdAt: -1, _id: -1 })

const ReportClosureSchema = new Schema<ReportClosureDoc>(
  {
    _id: { type: String, required: true },
    status: { type: String, required: true },
    by: { type: String, required: true },
    at: { type: Date, required: true },
    reason: { type: String, required: true },
    action: { type: String, required: true },
    requestId: { type: String, required: true },
  },
  { collection: 'report_closures', versionKey: false },
)

/** The block id of `blocker` blocking `blocked`. */
export const blockId = (blocker: string, blocked: string) => `${blocker}|${blocked}`

/** The safety models on `conn`. */
export function safetyModels(conn: Connection): {
  Block: Model<BlockDoc>
  Report: Model<ReportDoc>
  ReportClosure: Model<ReportClosureDoc>
} {
  return {
    Block: (conn.models.Block as Model<BlockDoc> | undefined) ?? conn.model<BlockDoc>('Block', BlockSchema),
    Report:
      (conn.models.Report as Model<ReportDoc> | undefined) ?? conn.model<ReportDoc>('Report', ReportSchema),
    ReportClosure:
      (conn.models.ReportClosure as Model<ReportClosureDoc> | undefined) ??
      conn.model<ReportClosureDoc>('ReportClosure', ReportClosureSchema),
  }
}
