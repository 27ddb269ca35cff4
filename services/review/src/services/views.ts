/**
 * How reviews are shown: one {@link ReviewView} per review, joined in batches with what the
 * review service knows around them — the reveal (public or not), the reply, the display names,
 * the contract's title. Private fields (`privateNote`, the moderation record) only for admins.
 */
import type { Caller } from '@kelmah/service-kit'
import type { Types } from 'mongoose'
import type { Side } from '../domain/eligibility.js'
import type { AspectRatings } from '../domain/ratings.js'
import { statusOf, type ReviewStatus } from '../domain/reveal.js'
import type { ReviewDoc } from '../models/index.js'
import type { Contracts } from './contracts.js'
import type { ReviewDeps } from './deps.js'
import type { Reveals } from './reveals.js'

/** A review as answered. */
export interface ReviewView {
  id: string
  contractId: string
  jobId: string
  jobTitle: string | null
  authorId: string
  authorName: string | null
  authorRole: Side
  subjectId: string
  subjectName: string | null
  subjectRole: Side
  rating: number
  aspects: AspectRatings | null
  comment: string
  status: ReviewStatus
  createdAt: string
  revealedAt: string | null
  reply: { comment: string; createdAt: string } | null
  /** Admins only. */
  privateNote?: string | null
  /** Admins only: the last hide or restore. */
  moderation?: { hidden: boolean; reason: string; by: string; at: string } | null
}

/** The hex id of a review. */
export const idOf = (r: { _id: Types.ObjectId }): string => r._id.toHexString()

/** Builds views. */
export class Views {
  readonly #d: ReviewDeps
  readonly #contracts: Contracts
  readonly #reveals: Reveals

  constructor(deps: ReviewDeps, contracts: Contracts, reveals: Reveals) {
    this.#d = deps
    this.#contracts = contracts
    this.#reveals = reveals
  }

  /** The views of `reviews` for `viewer`, in the same order (visibility is the caller's check). */
  async of(reviews: readonly ReviewDoc[], viewer: Caller): Promise<ReviewView[]> {
    if (reviews.length === 0) return []
    const ids = reviews.map(idOf)
    const [revealed, replies, names, titles] = await Promise.all([
      this.#reveals.revealedAmong(reviews.map((r) => r.contractId)),
      this.#d.models.Reply.find({ _id: { $in: ids } }).lean(),
      this.#contracts.names(reviews.flatMap((r) => [r.authorId, r.subjectId])),
      this.#contracts.titles(reviews.map((r) => r.contractId)),
    ])
    const replyOf = new Map(replies.map((r) => [r._id, r]))
    const admin = viewer.role === 'admin'
    return reviews.map((r) => {
      const revealedAt = revealed.get(r.contractId) ?? null
      const reply = replyOf.get(idOf(r))
      const view: ReviewView = {
        id: idOf(r),
        contractId: r.contractId,
        jobId: r.jobId,
        jobTitle: titles.get(r.contractId) ?? null,
        authorId: r.authorId,
        authorName: names.get(r.authorId) ?? null,
        authorRole: r.authorRole,
        subjectId: r.subjectId,
        subjectName: names.get(r.subjectId) ?? null,
        subjectRole: r.subjectRole,
        rating: r.rating,
        aspects: r.aspects ? { ...stripNulls(r.aspects) } : null,
        comment: r.comment,
        status: statusOf({ authorId: r.authorId, revealedAt, hidden: r.hidden }),
        createdAt: r.createdAt.toISOString(),
        revealedAt: revealedAt ? revealedAt.toISOString() : null,
        reply: reply ? { comment: reply.comment, createdAt: reply.createdAt.toISOString() } : null,
      }
      if (admin) {
        view.privateNote = r.privateNote
        view.moderation = r.moderation ? { ...r.moderation, at: r.moderation.at.toISOString() } : null
      }
      return view
    })
  }

  /** The view of one review. */
  async one(review: ReviewDoc, viewer: Caller): Promise<ReviewView> {
    const [view] = await this.of([review], viewer)
    return view as ReviewView
  }
}

function stripNulls(a: AspectRatings): AspectRatings {
  const out: AspectRatings = {}
  for (const [k, v] of Object.entries(a) as [keyof AspectRatings, number | null | undefined][]) {
    if (typeof v === 'number') out[k] = v
  }
  return out
}
