/**
 * The events the review service produces (docs/architecture.md, Events). Each is written into the
 * outbox of the document whose insert commits the fact: `ReviewSubmitted` in the review,
 * `ReviewsRevealed` in the contract's reveal, `RatingUpdated` in the user's next rating version —
 * so each fact is published once (at least once to the broker; consumers dedupe by event id).
 */
import { createEvent, type EventContext, type EventOf } from '@kelmah/contracts'
import type { RevealReason } from '../domain/reveal.js'
import type { Side } from '../domain/eligibility.js'

/** `ReviewSubmitted`: no rating and no text — the review is double-blind until revealed. */
export function reviewSubmitted(
  r: { reviewId: string; contractId: string; authorId: string; subjectId: string; authorRole: Side },
  ctx: EventContext & { occurredAt?: Date },
): EventOf<'ReviewSubmitted'> {
  return createEvent('ReviewSubmitted', { ...r }, ctx)
}

/** `ReviewsRevealed`: the contract's reviews (one or two) became public at once. */
export function reviewsRevealed(
  contractId: string,
  reason: RevealReason,
  reviews: { reviewId: string; authorId: string; subjectId: string }[],
  ctx: EventContext & { occurredAt?: Date },
): EventOf<'ReviewsRevealed'> {
  return createEvent('ReviewsRevealed', { contractId, reason, reviews: reviews.map((r) => ({ ...r })) }, ctx)
}

/** `RatingUpdated`: the user's figures changed; `average` plain, `bayesianScore` for ranking. */
export function ratingUpdated(
  r: { userId: string; average: number; count: number; sequence: number; bayesianScore: number },
  ctx: EventContext & { occurredAt?: Date },
): EventOf<'RatingUpdated'> {
  return createEvent('RatingUpdated', { ...r }, ctx)
}
