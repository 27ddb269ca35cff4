/**
 * Moderation: reports by any signed-in user, the admins' queue, and hiding or restoring a review
 * (a hidden review leaves every list and its subject's rating; restoring returns it). One report
 * per user and review (unique `(reviewId, reporterId)`).
 */
import type { EventContext } from '@kelmah/contracts'
import { isDuplicateKey, pageOf, type Caller } from '@kelmah/service-kit'
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

  constructor(deps: ReviewDeps, reviews: Reviews, ratings: Ratings, views: Views) {
    this.#d = deps
    this.#reviews = reviews
    this.#ratings = ratings
    this.#views = views
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
   * Close an open report as `resolved` or `dismissed`.
   *
   * @throws ReportNotFound (404); ReportClosed (409) already closed
   */
  async close(
    admin: Caller,
    id: string,
    status: 'resolved' | 'dismissed',
    note?: string,
  ): Promise<ReportView> {
    const doc = await this.#d.stores.reports.change(id, (current) => {
      if (current.status !== 'open') throw new ReportClosed(current.status)
      return { set: { status, closedBy: admin.sub, closedAt: this.#d.now(), note: note ?? null } }
    })
    return reportView(doc)
  }

  /**
   * Hide (`hidden: true`) or restore a review; its subject's rating follows (RatingUpdated when
   * the figures change).
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
    const review = await this.#d.stores.reviews.change(id, (current) => {
      if (current.hidden === hidden) throw new ModerationState(hidden ? 'hidden' : 'visible')
      return {
        set: { hidden, moderation: { hidden, reason, by: admin.sub, at: this.#d.now() } },
      }
    })
    await this.#ratings.refresh(review.subjectId, `${hidden ? 'hide' : 'restore'}:${idOf(review)}`, ctx)
    return this.#views.one(review, admin)
  }
}
