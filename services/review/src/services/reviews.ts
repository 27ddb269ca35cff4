/**
 * Reviews: writing one, reading them (one, about a user, the caller's own, the caller's pending
 * contracts), replying. Load, decide (src/domain), store; the rules that must hold across
 * processes commit by unique inserts — one review per author and contract (the reviews'
 * `(contractId, authorId)` index), one reply per review (`replies._id`), one reveal per contract
 * (services/reveals.ts).
 */
import type { EventContext } from '@kelmah/contracts'
import { isDuplicateKey, pageOf, type Caller } from '@kelmah/service-kit'
import { Types } from 'mongoose'
import { decideSubmission, sideOf, timeLeftMs, type Side } from '../domain/eligibility.js'
import type { AspectRatings } from '../domain/ratings.js'
import { canSee } from '../domain/reveal.js'
import { AlreadyReplied, AlreadyReviewed, NotTheSubject, ReviewNotFound } from '../errors.js'
import { reviewSubmitted } from '../events/publishers.js'
import type { ReviewDoc, WindowDoc } from '../models/index.js'
import type { Contracts } from './contracts.js'
import type { ReviewDeps } from './deps.js'
import { afterCursor, positionOf } from './pages.js'
import type { Reveals } from './reveals.js'
import { idOf, type ReviewView, type Views } from './views.js'

/** The body of `POST /api/reviews`. */
export interface SubmitInput {
  contractId: string
  rating: number
  aspects?: AspectRatings
  comment: string
  privateNote?: string
}

/** A contract awaiting the caller's review. */
export interface PendingItem {
  contractId: string
  jobId: string
  jobTitle: string | null
  role: Side
  subjectId: string
  subjectName: string | null
  closesAt: string
  timeLeftMs: number
}

/** A page of reviews. */
export interface ReviewPage {
  items: ReviewView[]
  nextCursor: string | null
}

/** Most pending contracts answered at once. */
const PENDING_CAP = 100

/** The review use cases. */
export class Reviews {
  readonly #d: ReviewDeps
  readonly #contracts: Contracts
  readonly #reveals: Reveals
  readonly #views: Views

  constructor(deps: ReviewDeps, contracts: Contracts, reveals: Reveals, views: Views) {
    this.#d = deps
    this.#contracts = contracts
    this.#reveals = reveals
    this.#views = views
  }

  /**
   * Submit the caller's review of the contract's other party; reveal both when it is the second.
   *
   * @throws AlreadyReviewed (409) a second review by the same author; the refusals of
   *   domain/eligibility.ts#decideSubmission (404, 403, 409 with distinct codes)
   */
  async submit(caller: Caller, input: SubmitInput, ctx: EventContext): Promise<ReviewView> {
    const m = this.#d.models
    const mine = await m.Review.findOne(
      { contractId: input.contractId, authorId: caller.sub },
      { _id: 1 },
    ).lean()
    if (mine) throw new AlreadyReviewed(idOf(mine))
    const known = await this.#contracts.knowledge(input.contractId)
    const revealed = Boolean(await m.Reveal.exists({ _id: input.contractId }))
    const now = this.#d.now()
    const who = decideSubmission({ ...known, revealed }, caller.sub, now)
    const _id = new Types.ObjectId()
    let review: ReviewDoc
    try {
      review = await this.#d.stores.reviews.create(
        {
          _id,
          contractId: input.contractId,
          jobId: known.window?.jobId ?? known.ending?.jobId ?? known.facts?.jobId ?? '',
          authorId: caller.sub,
          ...who,
          rating: input.rating,
          aspects: input.aspects && Object.keys(input.aspects).length > 0 ? input.aspects : null,
          comment: input.comment,
          privateNote: input.privateNote ?? null,
          hidden: false,
          moderation: null,
          version: 0,
          createdAt: now,
          updatedAt: now,
        },
        [
          reviewSubmitted(
            {
              reviewId: _id.toHexString(),
              contractId: input.contractId,
              authorId: caller.sub,
              subjectId: who.subjectId,
              authorRole: who.authorRole,
            },
            { ...ctx, occurredAt: now },
          ),
        ],
      )
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
      const winner = await m.Review.findOne(
        { contractId: input.contractId, authorId: caller.sub },
        { _id: 1 },
      ).lean()
      throw new AlreadyReviewed(winner ? idOf(winner) : 'already written')
    }
    await this.#reveals.revealIfDue(input.contractId, ctx)
    return this.#views.one(review, caller)
  }

  /**
   * One review, for its author (always), admins (always, with the private note) and everyone else
   * once it is revealed and not hidden.
   *
   * @throws ReviewNotFound (404) no such review, or one the caller may not see yet
   */
  async get(caller: Caller, id: string): Promise<ReviewView> {
    return this.#views.one(await this.visible(caller, id), caller)
  }

  /** The review `id` if `caller` may see it. @throws ReviewNotFound (404) otherwise */
  async visible(caller: Caller, id: string): Promise<ReviewDoc> {
    const review = await this.#d.models.Review.findById(id).lean<ReviewDoc>()
    if (!review) throw new ReviewNotFound(id)
    const revealedAt = (await this.#reveals.revealedAmong([review.contractId])).get(review.contractId) ?? null
    if (!canSee({ authorId: review.authorId, revealedAt, hidden: review.hidden }, caller))
      throw new ReviewNotFound(id)
    return review
  }

  /**
   * The revealed, visible reviews about `userId` (as `role`, when given), newest first.
   *
   * @throws BadRequest (400 naming `cursor`) for a cursor not made by this list
   */
  async about(
    caller: Caller,
    q: { userId: string; role?: Side; cursor?: string; limit?: number },
  ): Promise<ReviewPage> {
    const limit = q.limit ?? 20
    const base = { subjectId: q.userId, hidden: false, ...(q.role ? { subjectRole: q.role } : {}) }
    let after = afterCursor(q.cursor)
    const kept: ReviewDoc[] = []
    // Unrevealed reviews are few (only those of open windows): read in batches, keep the revealed.
    for (;;) {
      const batch = await this.#d.models.Review.find({ ...base, ...after })
        .sort({ createdAt: -1, _id: -1 })
        .limit(limit + 1)
        .lean<ReviewDoc[]>()
      const revealed = await this.#reveals.revealedAmong(batch.map((r) => r.contractId))
      for (const r of batch) if (revealed.has(r.contractId)) kept.push(r)
      const last = batch[batch.length - 1]
      if (kept.length > limit || batch.length <= limit || !last) break
      after = afterCursorOf(last)
    }
    const page = pageOf(kept.slice(0, limit + 1), limit, positionOf)
    return { items: await this.#views.of(page.items, caller), nextCursor: page.nextCursor }
  }

  /** The caller's own reviews, in any state, newest first. */
  async written(caller: Caller, q: { cursor?: string; limit?: number }): Promise<ReviewPage> {
    const limit = q.limit ?? 20
    const rows = await this.#d.models.Review.find({ authorId: caller.sub, ...afterCursor(q.cursor) })
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit + 1)
      .lean<ReviewDoc[]>()
    const page = pageOf(rows, limit, positionOf)
    return { items: await this.#views.of(page.items, caller), nextCursor: page.nextCursor }
  }

  /** The caller's contracts whose window is open and which the caller has not reviewed, soonest to close first. */
  async pending(caller: Caller): Promise<{ items: PendingItem[] }> {
    const m = this.#d.models
    const now = this.#d.now()
    const windows = await m.Window.find({
      $or: [{ hirerId: caller.sub }, { workerId: caller.sub }],
      closedAt: null,
      closesAt: { $gt: now },
    }).lean<WindowDoc[]>()
    if (windows.length === 0) return { items: [] }
    const ids = windows.map((w) => w._id)
    const [revealed, mine] = await Promise.all([
      this.#reveals.revealedAmong(ids),
      m.Review.find({ authorId: caller.sub, contractId: { $in: ids } }, { contractId: 1 }).lean(),
    ])
    const reviewed = new Set(mine.map((r) => r.contractId))
    const open = windows
      .filter((w) => !revealed.has(w._id) && !reviewed.has(w._id))
      .sort((a, b) => a.closesAt.getTime() - b.closesAt.getTime())
      .slice(0, PENDING_CAP)
    const [names, titles] = await Promise.all([
      this.#contracts.names(open.map((w) => (w.hirerId === caller.sub ? w.workerId : w.hirerId))),
      this.#contracts.titles(open.map((w) => w._id)),
    ])
    return {
      items: open.map((w) => {
        const role = sideOf(w, caller.sub) as Side
        const subjectId = role === 'hirer' ? w.workerId : w.hirerId
        return {
          contractId: w._id,
          jobId: w.jobId,
          jobTitle: titles.get(w._id) ?? null,
          role,
          subjectId,
          subjectName: names.get(subjectId) ?? null,
          closesAt: w.closesAt.toISOString(),
          timeLeftMs: timeLeftMs(w, now),
        }
      }),
    }
  }

  /**
   * The subject's one reply to a revealed review.
   *
   * @throws ReviewNotFound (404) not visible to the caller (the subject sees nothing before the
   *   reveal); NotTheSubject (403); AlreadyReplied (409) the second reply
   */
  async reply(caller: Caller, id: string, comment: string): Promise<ReviewView> {
    const review = await this.visible(caller, id)
    if (review.subjectId !== caller.sub) throw new NotTheSubject()
    if (caller.sub === review.authorId || review.hidden) throw new ReviewNotFound(id)
    const revealed = (await this.#reveals.revealedAmong([review.contractId])).has(review.contractId)
    if (!revealed) throw new ReviewNotFound(id)
    try {
      await this.#d.stores.replies.create({
        _id: id,
        authorId: caller.sub,
        comment,
        createdAt: this.#d.now(),
        version: 0,
      })
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
      throw new AlreadyReplied()
    }
    return this.#views.one(review, caller)
  }
}

function afterCursorOf(doc: ReviewDoc): Record<string, unknown> {
  const [at, id] = positionOf(doc)
  return {
    $or: [
      { createdAt: { $lt: new Date(at) } },
      { createdAt: new Date(at), _id: { $lt: new Types.ObjectId(id) } },
    ],
  }
}
