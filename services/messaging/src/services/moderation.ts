/**
 * The admins' side of reports (issue 14, the admin surface): the queue of reports of users and
 * messages, one report with the reported message as the reporter saw it and as it is now, and
 * closing a report — resolve (optionally removing the reported message for everyone) or dismiss —
 * once. Every admin action is an entry in the service's append-only audit log, with an id
 * derived from the fact (`report.resolve:<reportId>`, `message.remove:<messageId>:<reportId>`),
 * so a retry is logged once. Routes: `routes/admin.ts`.
 *
 * Closing once across instances: two admins (or one admin's retry on another instance) may close
 * the same report at the same moment, and FerretDB does not isolate guarded updates of one
 * document across connections (docs/ferretdb.md). The commit point is therefore the unique
 * insert of the closure into `report_closures` (`_id` = report id): exactly one close wins; the
 * loser gets 409 `MSG_ERR_REPORT_CLOSED`. Then the winning closure is applied — the report's
 * guarded store write, the audit entries, the removal — each step idempotent, and a loser
 * applies the stored closure again before its 409, so a crash between the insert and the rest
 * heals on the next attempt.
 */
import {
  afterPosition,
  isDuplicateKey,
  pageOf,
  type AggregateStore,
  type AuditLog,
  type Clock,
  type CursorValue,
} from '@kelmah/service-kit'
import type { mongo, Model } from 'mongoose'
import { checkClose, closeReport, removeMessage } from '../domain/moderation.js'
import { ReportClosed, ReportNotFound } from '../errors.js'
import type { MessageDoc } from '../models/message.js'
import type {
  MessageSnapshot,
  ReportClosureDoc,
  ReportDoc,
  ReportStatus,
  ResolutionAction,
} from '../models/safety.js'
import type { Conversations } from './conversations.js'
import type { Push } from './push.js'
import { dateIdCursor, messageView, objectIdOf, type MessageView } from './views.js'

/** What {@link Moderation} needs. */
export interface ModerationDeps {
  reports: AggregateStore<ReportDoc>
  ReportClosure: Model<ReportClosureDoc>
  messages: AggregateStore<MessageDoc>
  conversations: Conversations
  push: Push
  audit: AuditLog
  /** GridFS's `attachments.files`: a removed message's file is marked so it is no longer served. */
  attachmentFiles: mongo.Collection
  now: Clock
}

/** The reported message as the reporter saw it (times as ISO strings). */
export type SnapshotView = Omit<MessageSnapshot, 'createdAt' | 'editedAt' | 'capturedAt'> & {
  createdAt: string
  editedAt: string | null
  capturedAt: string
}

/** A report as admins see it. */
export interface AdminReportView {
  id: string
  reporterId: string
  /** The reported user (the sender, for a report of a message). */
  userId: string
  messageId: string | null
  conversationId: string | null
  reason: string
  details: string | null
  status: ReportStatus
  createdAt: string
  /** The reported message when it was reported; null for a report of a user (or one made before copies were kept). */
  snapshot: SnapshotView | null
  closure: {
    status: 'resolved' | 'dismissed'
    by: string
    at: string
    reason: string
    action: ResolutionAction
  } | null
}

/** One report with the reported message as it is now (edited, deleted or removed since). */
export type AdminReportDetail = AdminReportView & { currentMessage: MessageView | null }

/** What an admin closes a report with. */
export interface CloseInput {
  /** The admin's reason, kept in the report and the audit log. */
  reason: string
  /** Default `none`; `remove_message` only when resolving a report of a message. */
  action?: ResolutionAction
  /** The admin's request id, for the audit log. */
  requestId: string
}

const iso = (d: Date | string | null | undefined): string | null => (d ? new Date(d).toISOString() : null)

function adminView(r: ReportDoc): AdminReportView {
  const s = r.snapshot
  const c = r.closure
  return {
    id: r._id.toHexString(),
    reporterId: r.reporterId,
    userId: r.userId,
    messageId: r.messageId,
    conversationId: r.conversationId,
    reason: r.reason,
    details: r.details ?? null,
    status: r.status,
    createdAt: r.createdAt.toISOString(),
    snapshot: s
      ? {
          ...s,
          createdAt: new Date(s.createdAt).toISOString(),
          editedAt: iso(s.editedAt),
          capturedAt: new Date(s.capturedAt).toISOString(),
        }
      : null,
    closure: c
      ? { status: c.status, by: c.by, at: new Date(c.at).toISOString(), reason: c.reason, action: c.action }
      : null,
  }
}

/** The admins' report use cases. */
export class Moderation {
  readonly #d: ModerationDeps
  readonly #Report: Model<ReportDoc>

  constructor(deps: ModerationDeps) {
    this.#d = deps
    this.#Report = deps.reports.model as Model<ReportDoc>
  }

  /**
   * The queue: reports of `status` (default `open`) about users and messages, in report order —
   * oldest first by default (the queue is worked through in the order it filled), `order:
   * 'newest'` for the latest first — a cursor page at a time.
   *
   * @throws BadRequest (400, field `cursor`) for a cursor this list did not make
   */
  async list(q: {
    status?: ReportStatus
    order?: 'oldest' | 'newest'
    cursor?: string
    limit?: number
  }): Promise<{ items: AdminReportView[]; nextCursor: string | null }> {
    const limit = q.limit ?? 20
    const direction = q.order === 'newest' ? -1 : 1
    const after = dateIdCursor(q.cursor)
    const filter: Record<string, unknown> = { status: q.status ?? 'open' }
    if (after)
      Object.assign(
        filter,
        afterPosition('createdAt', [after.at.toISOString(), after.id.toHexString()], {
          direction,
          toKey: () => after.at,
          toId: () => after.id,
        }),
      )
    const rows = await this.#Report
      .find(filter, { outbox: 0 })
      .sort({ createdAt: direction, _id: direction })
      .limit(limit + 1)
      .lean<ReportDoc[]>()
    const page = pageOf(rows, limit, (r): CursorValue[] => [r.createdAt.toISOString(), r._id.toHexString()])
    return { items: page.items.map(adminView), nextCursor: page.nextCursor }
  }

  /**
   * One report, with the reported message as the reporter saw it (`snapshot`) and as it is now
   * (`currentMessage`: edited, or emptied by a delete or a removal; null for a report of a user).
   *
   * @throws ReportNotFound (404)
   */
  async get(id: string): Promise<AdminReportDetail> {
    const report = await this.#load(id)
    const messageId = report.messageId ? objectIdOf(report.messageId) : undefined
    const msg = messageId ? await this.#d.messages.get(messageId) : null
    return {
      ...adminView(report),
      currentMessage: msg ? messageView(msg) : null,
    }
  }

  /**
   * Close the open report `id` as `resolved` or `dismissed` by admin `adminId` — once. A
   * resolution with `action: 'remove_message'` removes the reported message for everyone (both
   * participants get `message_deleted` with `removed: true`, a list preview showing it is
   * emptied, an attachment is no longer served).
   *
   * @returns the closed report
   * @throws ReportNotFound (404); ReportClosed (409) when it was closed already — by anyone,
   *   this request's earlier try included; ActionNotApplicable (400, field `action`)
   */
  async close(
    adminId: string,
    id: string,
    status: 'resolved' | 'dismissed',
    input: CloseInput,
  ): Promise<AdminReportView> {
    const report = await this.#load(id)
    if (report.status === 'open') {
      const action = input.action ?? 'none'
      checkClose(report, status, action)
      const closure: ReportClosureDoc = {
        _id: report._id.toHexString(),
        status,
        by: adminId,
        at: this.#d.now(),
        reason: input.reason,
        action,
        requestId: input.requestId,
      }
      try {
        await this.#d.ReportClosure.collection.insertOne(closure as never)
        return adminView(await this.#apply(report, closure))
      } catch (err) {
        if (!isDuplicateKey(err)) throw err
      }
    }
    // Closed already, or another close won the insert: finish applying the closure that stands
    // (a no-op unless a crash cut it short), then refuse.
    const winner = await this.#d.ReportClosure.findById(report._id.toHexString()).lean<ReportClosureDoc>()
    if (winner) await this.#apply(report, winner)
    throw new ReportClosed(winner?.status ?? report.status)
  }

  /** Apply the committed `closure` to `report` and record it; every step idempotent. */
  async #apply(report: ReportDoc, closure: ReportClosureDoc): Promise<ReportDoc> {
    const { _id: reportId, ...fields } = closure
    const closed = await this.#d.reports.change(report._id, (current) => closeReport(current, fields), {
      current: report,
      missing: () => new ReportNotFound(),
    })
    const audit = {
      actorId: closure.by,
      reason: closure.reason,
      requestId: closure.requestId,
      at: closure.at,
    }
    await this.#d.audit.record({
      ...audit,
      id: `report.${closure.status === 'resolved' ? 'resolve' : 'dismiss'}:${reportId}`,
      action: closure.status === 'resolved' ? 'report.resolve' : 'report.dismiss',
      target: { type: 'report', id: reportId },
    })
    if (closure.action === 'remove_message' && report.messageId) {
      const removed = await this.#remove(report.messageId, closure.by, reportId, closure.at)
      if (removed)
        await this.#d.audit.record({
          ...audit,
          id: `message.remove:${report.messageId}:${reportId}`,
          action: 'message.remove',
          target: { type: 'message', id: report.messageId },
        })
    }
    return closed
  }

  /** Remove message `messageId` for everyone; false when there is no such message. */
  async #remove(messageId: string, by: string, reportId: string, at: Date): Promise<boolean> {
    const _id = objectIdOf(messageId)
    const msg = _id ? await this.#d.messages.get(_id) : null
    if (!msg) return false
    if (msg.removal) return true
    await this.#d.messages.change(msg._id, (current) => removeMessage(current, by, reportId, at), {
      current: msg,
    })
    if (msg.attachment)
      await this.#d.attachmentFiles.updateOne(
        { _id: objectIdOf(msg.attachment.id) },
        { $set: { 'metadata.removedAt': at } },
      )
    await this.#d.conversations.blankPreview(msg.conversationId, messageId)
    const frame = {
      type: 'message_deleted',
      conversationId: msg.conversationId,
      messageId,
      deletedAt: (msg.deletedAt ?? at).toISOString(),
      removed: true,
    }
    const participants = [msg.senderId, msg.recipientId].filter((p): p is string => Boolean(p))
    await Promise.all(participants.map((p) => this.#d.push.toUser(p, frame)))
    return true
  }

  async #load(id: string): Promise<ReportDoc> {
    const _id = objectIdOf(id)
    const report = _id ? await this.#d.reports.get(_id) : null
    if (!report) throw new ReportNotFound()
    return report
  }
}
