/**
 * The double-blind rule (the Airbnb rule; issue 13, "Double-blind"): a submitted review stays
 * hidden from its subject and everyone else until **both** parties have reviewed or the window
 * has **closed**; then the contract's reviews become public at once. The author always sees their
 * own review; admins see everything (with the private note). Pure: time passed in.
 */
import { isOpen } from './eligibility.js'

/** Why a contract's reviews were revealed (`ReviewsRevealed.reason`). */
export type RevealReason = 'both_submitted' | 'window_closed'

/**
 * Whether the contract's reviews are due to be revealed.
 *
 * @param reviewCount - reviews submitted for the contract (0–2)
 * @param window - its review window (`closesAt`)
 * @returns `both_submitted` with two reviews, `window_closed` once `now` ≥ `closesAt`, else `null`
 */
export function revealDue(reviewCount: number, window: { closesAt: Date }, now: Date): RevealReason | null {
  if (reviewCount >= 2) return 'both_submitted'
  if (!isOpen(window, now)) return 'window_closed'
  return null
}

/** Who is looking: the caller's id and role. */
export interface Viewer {
  sub: string
  role: 'hirer' | 'worker' | 'admin'
}

/** What visibility depends on. */
export interface Visibility {
  authorId: string
  revealedAt: Date | null
  /** Hidden by a moderator. */
  hidden: boolean
}

/**
 * Can `viewer` read the review? Admins: always. Its author: always (even while it is hidden from
 * everyone else, and after a moderator hid it). Everyone else, the subject included: once it is
 * revealed, unless a moderator hid it.
 */
export function canSee(review: Visibility, viewer: Viewer): boolean {
  if (viewer.role === 'admin' || viewer.sub === review.authorId) return true
  return review.revealedAt !== null && !review.hidden
}

/** The public state of a review. */
export type ReviewStatus = 'awaiting_reveal' | 'published' | 'hidden'

/** `awaiting_reveal` until revealed, then `published`, or `hidden` by a moderator. */
export function statusOf(review: Visibility): ReviewStatus {
  if (review.hidden) return 'hidden'
  return review.revealedAt ? 'published' : 'awaiting_reveal'
}

/** Does the review count in its subject's rating? Revealed and not hidden. */
export function counts(review: Pick<Visibility, 'revealedAt' | 'hidden'>): boolean {
  return review.revealedAt !== null && !review.hidden
}
