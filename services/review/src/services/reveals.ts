/**
 * The reveal of a contract's reviews (domain/reveal.ts) and the sweep that closes expired windows.
 *
 * **Commit point**: the insert of the contract's `reveals` document (`_id` = contract id), which
 * carries `ReviewsRevealed`. The second review's request and any instance's sweep may try at the
 * same moment; one insert wins, so the event is written once. Whoever tried — winner or loser —
 * then **finishes** the reveal: refreshes both subjects' ratings and marks the window closed.
 * Finishing is idempotent, so a crash between the insert and the finish is healed by the next
 * sweep (it looks at every window not yet marked closed, whose state is all in the database: a
 * restart loses nothing).
 */
import type { EventContext } from '@kelmah/contracts'
import { isDuplicateKey } from '@kelmah/service-kit'
import { revealDue } from '../domain/reveal.js'
import { reviewsRevealed } from '../events/publishers.js'
import type { RevealDoc, WindowDoc } from '../models/index.js'
import type { ReviewDeps } from './deps.js'
import type { Ratings } from './ratings.js'

/** What one sweep did. */
export interface SweepResult {
  /** Windows whose reveal this sweep inserted (`window_closed`). */
  revealed: number
  /** Windows finished (ratings refreshed, marked closed), by this sweep's reveal or an earlier one. */
  finished: number
}

/** The reveals. */
export class Reveals {
  readonly #d: ReviewDeps
  readonly #ratings: Ratings

  constructor(deps: ReviewDeps, ratings: Ratings) {
    this.#d = deps
    this.#ratings = ratings
  }

  /** The ids among `contractIds` whose reviews are revealed. */
  async revealedAmong(contractIds: readonly string[]): Promise<Map<string, Date>> {
    if (contractIds.length === 0) return new Map()
    const rows = await this.#d.models.Reveal.find(
      { _id: { $in: [...new Set(contractIds)] } },
      { revealedAt: 1 },
    ).lean()
    return new Map(rows.map((r) => [r._id, r.revealedAt]))
  }

  /**
   * Reveal the contract's reviews when due (two reviews, or the window closed) and finish the
   * reveal (ratings, window closed).
   *
   * @returns the reveal (this call's or an earlier one's), or null when not due
   */
  async revealIfDue(contractId: string, ctx: EventContext): Promise<RevealDoc | null> {
    const m = this.#d.models
    const window = await m.Window.findById(contractId).lean<WindowDoc>()
    if (!window) return null
    let reveal = await m.Reveal.findById(contractId).lean<RevealDoc>()
    if (!reveal) {
      const reviews = await m.Review.find({ contractId }, { authorId: 1, subjectId: 1 }).lean()
      const now = this.#d.now()
      const reason = revealDue(reviews.length, window, now)
      if (!reason) return null
      const listed = reviews.map((r) => ({
        reviewId: r._id.toHexString(),
        authorId: r.authorId,
        subjectId: r.subjectId,
      }))
      try {
        // A window that closes with no review reveals nothing anyone could read: no event.
        const events = listed.length
          ? [reviewsRevealed(contractId, reason, listed, { ...ctx, occurredAt: now })]
          : []
        reveal = await this.#d.stores.reveals.create(
          { _id: contractId, reason, reviewIds: listed.map((r) => r.reviewId), revealedAt: now, version: 0 },
          events,
        )
      } catch (err) {
        if (!isDuplicateKey(err)) throw err
        reveal = await m.Reveal.findById(contractId).lean<RevealDoc>()
        if (!reveal) throw err
      }
    }
    await this.#finish(window, ctx)
    return reveal
  }

  /** Refresh the subjects' ratings, then mark the window closed (a hint for the sweep). */
  async #finish(window: WindowDoc, ctx: EventContext): Promise<void> {
    const reviews = await this.#d.models.Review.find({ contractId: window._id }, { subjectId: 1 }).lean()
    for (const subjectId of new Set(reviews.map((r) => r.subjectId))) {
      await this.#ratings.refresh(subjectId, `reveal:${window._id}`, ctx)
    }
    if (window.closedAt === null) {
      await this.#d.models.Window.updateOne(
        { _id: window._id, closedAt: null },
        { $set: { closedAt: this.#d.now() } },
      )
    }
  }

  /**
   * One sweep: reveal every window past `closesAt` not revealed yet, and finish every reveal a
   * crash left unfinished. Safe on any number of instances at once.
   */
  async sweep(): Promise<SweepResult> {
    const m = this.#d.models
    const now = this.#d.now()
    const result: SweepResult = { revealed: 0, finished: 0 }
    const unfinished = await m.Window.find({ closedAt: null }).lean<WindowDoc[]>()
    if (unfinished.length === 0) return result
    const revealed = await this.revealedAmong(unfinished.map((w) => w._id))
    for (const window of unfinished) {
      const due = window.closesAt.getTime() <= now.getTime()
      if (!due && !revealed.has(window._id)) continue
      const ctx: EventContext = { producer: 'review', correlationId: `review-sweep:${window._id}` }
      try {
        const reveal = await this.revealIfDue(window._id, ctx)
        if (reveal && !revealed.has(window._id)) result.revealed += 1
        if (reveal) result.finished += 1
      } catch (err) {
        this.#d.logger.error(
          { err, contractId: window._id },
          'review sweep: the window could not be closed; next sweep retries',
        )
      }
    }
    return result
  }
}
