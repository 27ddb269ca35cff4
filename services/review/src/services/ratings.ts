/**
 * Rating aggregates per user (models/rating.ts): the figures of the revealed, visible reviews
 * about a user, stored as one immutable version per change with a growing `sequence`, each with
 * its `RatingUpdated`.
 *
 * **How a change is applied** ({@link Ratings.refresh}): after the change to the reviews is
 * durable (a reveal, a hide, a restore), the figures are computed again from the user's reviews
 * and compared with the latest version; when they differ, version `sequence + 1` is inserted. The
 * insert is the commit point: a concurrent refresh of the same user (another process, another
 * reveal) races for the same `_id`; the loser reads the winner's version and decides again. So
 * whatever interleaving, the last version reflects every change that finished before it, and
 * sequences have no gaps or repeats.
 *
 * Why recompute rather than `$inc` the stored counters: FerretDB does not isolate concurrent
 * updates of one document across connections (docs/ferretdb.md), so two increments racing can
 * lose one; and a delta applied twice (a retried request) would count a review twice. Computing
 * from the reviews is idempotent and reads only that user's reviews (an index on `subjectId`).
 * `npm run ratings:rebuild` checks every user's latest version against the reviews and repairs
 * what a crash between a change and its refresh left behind.
 */
import type { EventContext } from '@kelmah/contracts'
import { isDuplicateKey } from '@kelmah/service-kit'
import {
  aspectAverages,
  bayesianScore,
  emptyFigures,
  figuresOf,
  plainAverage,
  sameFigures,
  type Aspect,
  type RatingFigures,
} from '../domain/ratings.js'
import { ratingUpdated } from '../events/publishers.js'
import type { RatingDoc } from '../models/index.js'
import { priorOf, type ReviewDeps } from './deps.js'

/** Rounds of read-decide-insert before giving up (each lost round means another writer progressed). */
const MAX_ROUNDS = 20

/** The summary a route answers (`GET /api/reviews/summary`). */
export interface RatingSummary {
  userId: string
  count: number
  average: number
  bayesianScore: number
  distribution: RatingFigures['stars']
  aspects: Record<Aspect, number | null>
  sequence: number
  updatedAt: string | null
}

/** The rating aggregates. */
export class Ratings {
  readonly #d: ReviewDeps

  constructor(deps: ReviewDeps) {
    this.#d = deps
  }

  /** The latest stored version of `userId`'s figures, or null before their first. */
  async latest(userId: string): Promise<RatingDoc | null> {
    return this.#d.models.Rating.findOne({ userId }).sort({ sequence: -1 }).lean<RatingDoc>()
  }

  /** The figures of `userId` computed from the reviews: revealed (contract revealed) and not hidden. */
  async computed(userId: string): Promise<RatingFigures> {
    const reviews = await this.#d.models.Review.find(
      { subjectId: userId, hidden: false },
      { contractId: 1, rating: 1, aspects: 1 },
    ).lean()
    if (reviews.length === 0) return emptyFigures()
    const contractIds = [...new Set(reviews.map((r) => r.contractId))]
    const revealed = new Set(
      (await this.#d.models.Reveal.find({ _id: { $in: contractIds } }, { _id: 1 }).lean()).map((r) => r._id),
    )
    return figuresOf(reviews.filter((r) => revealed.has(r.contractId)))
  }

  /**
   * Bring `userId`'s stored figures up to the reviews: insert the next version (with its
   * `RatingUpdated`) when they differ.
   *
   * @param cause - what changed (`reveal:<contractId>`, `hide:<reviewId>`, `rebuild`)
   * @returns the version inserted, or null when the stored figures were right
   * @throws Error after {@link MAX_ROUNDS} lost races (the caller's request fails and is retried)
   */
  async refresh(userId: string, cause: string, ctx: EventContext): Promise<RatingDoc | null> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const current = await this.latest(userId)
      const figures = await this.computed(userId)
      if (sameFigures(current?.figures ?? emptyFigures(), figures)) return null
      const sequence = (current?.sequence ?? 0) + 1
      const average = plainAverage(figures)
      const score = bayesianScore(figures, priorOf(this.#d.config))
      const now = this.#d.now()
      const doc = {
        _id: `${userId}:${sequence}`,
        userId,
        sequence,
        figures,
        average,
        bayesianScore: score,
        cause,
        createdAt: now,
        version: 0,
      }
      try {
        return await this.#d.stores.ratings.create(doc, [
          ratingUpdated(
            { userId, average, count: figures.count, sequence, bayesianScore: score },
            { ...ctx, occurredAt: now },
          ),
        ])
      } catch (err) {
        if (!isDuplicateKey(err)) throw err
      }
    }
    throw new Error(`rating of ${userId}: ${MAX_ROUNDS} concurrent changes in a row; try again`)
  }

  /** The summary of `userId` (zeros before their first revealed review). */
  async summary(userId: string): Promise<RatingSummary> {
    const latest = await this.latest(userId)
    const figures = latest?.figures ?? emptyFigures()
    return {
      userId,
      count: figures.count,
      average: latest?.average ?? 0,
      bayesianScore: latest?.bayesianScore ?? bayesianScore(figures, priorOf(this.#d.config)),
      distribution: { ...figures.stars },
      aspects: aspectAverages(figures),
      sequence: latest?.sequence ?? 0,
      updatedAt: latest ? latest.createdAt.toISOString() : null,
    }
  }
}
