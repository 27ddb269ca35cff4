/**
 * Moderation: reports by any signed-in user, the admins' queue, and hiding or restoring a review
 * (a hidden review leaves every list and its subject's rating; restoring returns it). One report
 * per user and review (unique `(reviewId, reporterId)`).
 *
 * Every admin decision — closing a report, hiding or restoring a review — is one entry in the
 * service's append-only audit log (service-kit src/audit.ts; `GET /api/reviews/admin/audit`),
 * written after the decision from the stored document, with an id derived from it:
 * `report.resolve:<reportId>` / `report.dismiss:<reportId>` (a report closes once) and
 * `review.hide:<reviewId>:<version>` / `review.restore:<reviewId>:<version>` (only moderation
 * changes a review, so its version names the decision). A retried decision is refused (409) as
 * before and records nothing more — but it does record the entry of the decision it collides with
 * when a crash between the decision and its entry left that out.
 */
import type { EventContext } from '@kelmah/contracts'
import { isDuplicateKey, pageOf, type AuditLog, type Caller } from '@kelmah/service-kit'
import { Types } from 'mongoose'
import { AlreadyReported, ModerationState, OwnReview, ReportClosed } from '../errors.js'
import type { ReportDoc, ReportStatus, ReviewDoc } from '../models/index.js'
import type { ReviewDeps } from './deps.js'
import { afterCursor, positionOf } from './pages.js'
import type { Ratings } from './ratings.js'
import type { Reviews } from './reviews.js'
import { idOf, type ReviewView, type Views } from './views.js'

/** A report as answered. */
export interface ReportView {
  id: string
  reviewId: string
  reporterId: string
  reason: string
  status: ReportStatus
  closedBy: string | null
  closedAt: string | null
  note: string | null
  createdAt: string
  /** The reported review (admins' queue only; null when it no longer exists). */
  review?: ReviewView | null
}

function reportView(r: ReportDoc): ReportView {
  return {
    id: r._id.toHexString(),
    reviewId: r.reviewId,
    reporterId: r.reporterId,
    reason: r.reason,
    status: r.status,
    closedBy: r.closedBy,
    closedAt: r.closedAt ? r.closedAt.toISOString() : null,
    note: r.note,
    createdAt: r.createdAt.toISOString(),
  }
}

/** The moderation use cases. */
export class Moderation {
  readonly #d: ReviewDeps
  readonly #reviews: Reviews
  readonly #ratings: Ratings
  readonly #views: Views
  readonly #audit: AuditLog

  constructor(deps: ReviewDeps, reviews: Reviews, ratings: Ratings, views: Views, audit: AuditLog) {
    this.#d = deps
    this.#reviews = reviews
    this.#ratings = ratings
    this.#views = views
    this.#audit = audit
  }

  /**
   * Report a review the caller can see.
   *
   * @throws ReviewNotFound (404) not visible to the caller; OwnReview (403) the author;
   *   AlreadyReported (409) the same user's second report of it
   */
  async report(caller: Caller, reviewId: string, reason: string): Promise<ReportView> {
    const review = await this.#reviews.visible(caller, reviewId)
    if (review.authorId === caller.sub) throw new OwnReview()
    const now = this.#d.now()
    try {
      const doc = await this.#d.stores.reports.create({
        _id: new Types.ObjectId(),
        reviewId,
        reporterId: caller.sub,
        reason,
        status: 'open',
        closedBy: null,
        closedAt: null,
        note: null,
        version: 0,
        createdAt: now,
        updatedAt: now,
      })
      return reportView(doc)
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
      const first = await this.#d.models.Report.findOne({ reviewId, reporterId: caller.sub }).lean()
      throw new AlreadyReported(first ? first._id.toHexString() : 'earlier')
    }
  }

  /** The admins' queue: reports of `status` (default open), newest first, each with its review. */
  async reports(
    admin: Caller,
    q: { status?: ReportStatus; cursor?: string; limit?: number },
  ): Promise<{ items: ReportView[]; nextCursor: string | null }> {
    const limit = q.limit ?? 20
    const rows = await this.#d.models.Report.find({ status: q.status ?? 'open', ...afterCursor(q.cursor) })
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit + 1)
      .lean<ReportDoc[]>()
    const page = pageOf(rows, limit, positionOf)
    const reviews = await this.#d.models.Review.find({
      _id: { $in: page.items.map((r) => new Types.ObjectId(r.reviewId)) },
    }).lean<ReviewDoc[]>()
    const views = new Map((await this.#views.of(reviews, admin)).map((v) => [v.id, v]))
    return {
      items: page.items.map((r) => ({ ...reportView(r), review: views.get(r.reviewId) ?? null })),
      nextCursor: page.nextCursor,
    }
  }

  /**
   * Close an open report as `resolved` or `dismissed`, and record it in the audit log (the note
   * as the reason).
   *
   * @param ctx - the admin's request (its `correlationId` goes into the audit entry)
   * @throws ReportNotFound (404); ReportClosed (409) already closed
   */
  async close(
    admin: Caller,
    id: string,
    status: 'resolved' | 'dismissed',
    note: string | undefined,
    ctx: EventContext,
  ): Promise<ReportView> {
    let doc: ReportDoc
    try {
      doc = await this.#d.stores.reports.change(id, (current) => {
        if (current.status !== 'open') throw new ReportClosed(current.status)
        return { set: { status, closedBy: admin.sub, closedAt: this.#d.now(), note: note ?? null } }
      })
    } catch (err) {
      if (err instanceof ReportClosed) {
        const closed = await this.#d.models.Report.findById(id).lean<ReportDoc>()
        if (closed) await this.#auditClose(closed, ctx)
      }
      throw err
    }
    await this.#auditClose(doc, ctx)
    return reportView(doc)
  }

  /**
   * Hide (`hidden: true`) or restore a review; its subject's rating follows (RatingUpdated when
   * the figures change); the decision is recorded in the audit log with `reason`.
   *
   * @throws ReviewNotFound (404); ModerationState (409) already in that state
   */
  async moderate(
    admin: Caller,
    id: string,
    hidden: boolean,
    reason: string,
    ctx: EventContext,
  ): Promise<ReviewView> {
    let review: ReviewDoc
    try {
      review = await this.#d.stores.reviews.change(id, (current) => {
        if (current.hidden === hidden) throw new ModerationState(hidden ? 'hidden' : 'visible')
        return {
          set: { hidden, moderation: { hidden, reason, by: admin.sub, at: this.#d.now() } },
        }
      })
    } catch (err) {
      if (err instanceof ModerationState) {
        const current = await this.#d.models.Review.findById(id).lean<ReviewDoc>()
        if (current) await this.#auditModeration(current, ctx)
      }
      throw err
    }
    await this.#auditModeration(review, ctx)
    await this.#ratings.refresh(review.subjectId, `${hidden ? 'hide' : 'restore'}:${idOf(review)}`, ctx)
    return this.#views.one(review, admin)
  }

  /** The audit entry of a closed report (module header); nothing for an open one. */
  async #auditClose(r: ReportDoc, ctx: EventContext): Promise<void> {
    if (r.status === 'open' || !r.closedBy) return
    const action = r.status === 'resolved' ? 'report.resolve' : 'report.dismiss'
    const reportId = r._id.toHexString()
    await this.#audit.record({
      id: `${action}:${reportId}`,
      actorId: r.closedBy,
      action,
      target: { type: 'report', id: reportId },
      reason: r.note?.trim() ? r.note : '(no note given)',
      ...(r.closedAt ? { at: r.closedAt } : {}),
      requestId: ctx.correlationId ?? 'unknown',
    })
  }

  /** The audit entry of a review's last moderation decision (module header), if it has one. */
  async #auditModeration(r: ReviewDoc, ctx: EventContext): Promise<void> {
    const m = r.moderation
    if (!m) return
    const action = m.hidden ? 'review.hide' : 'review.restore'
    const reviewId = idOf(r)
    await this.#audit.record({
      id: `${action}:${reviewId}:${r.version}`,
      actorId: m.by,
      action,
      target: { type: 'review', id: reviewId },
      reason: m.reason,
      at: m.at,
      requestId: ctx.correlationId ?? 'unknown',
    })
  }
}
