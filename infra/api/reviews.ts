/**
 * The review service as a client sees it through the gateway (services/review, port 3006; prefix
 * `/api/reviews`): review the other party of an ended contract, list the public reviews about a
 * user, a user's rating summary, the caller's contracts awaiting their review. Used by
 * `npm run demo`, `npm run seed` and the end-to-end test — never by the services.
 *
 * Reviews are double-blind (services/review/README.md): a review stays hidden from its subject
 * and everyone else until both parties have reviewed or the window has closed; then both become
 * public at once. Events are asynchronous: the review service learns that a contract ended from
 * `ContractCompleted`, so {@link submitReview} waits for it; profiles learn the new rating from
 * `RatingUpdated` ({@link pollProfileRating}, {@link pollSearchRating}).
 */
import type { Session } from './accounts.js'
import { UnexpectedStatus } from './client.js'
import type { Page } from './marketplace.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Aspect ratings, each an integer 1–5. */
export interface Aspects {
  communication?: number
  quality?: number
  timeliness?: number
  professionalism?: number
}

/** The body of `POST /api/reviews`. */
export interface ReviewInput {
  contractId: string
  /** Overall rating, an integer 1–5. */
  rating: number
  aspects?: Aspects
  /** Public text, ≤ 2,000 characters. */
  comment: string
  /** Feedback to the platform only (admins read it), ≤ 1,000 characters. */
  privateNote?: string
}

/** A review as the service answers it. */
export interface Review {
  id: string
  contractId: string
  jobId: string
  jobTitle: string | null
  authorId: string
  authorName: string | null
  authorRole: 'hirer' | 'worker'
  subjectId: string
  subjectName: string | null
  subjectRole: 'hirer' | 'worker'
  rating: number
  aspects: Aspects | null
  comment: string
  /** `awaiting_reveal` (only its author sees it), `published`, `hidden` (by a moderator). */
  status: string
  createdAt: string
  revealedAt: string | null
  reply: { comment: string; createdAt: string } | null
}

/** `GET /api/reviews/summary?userId=`. */
export interface RatingSummary {
  userId: string
  count: number
  /** Plain mean, two decimals; 0 with no reviews. */
  average: number
  /** The ranking score (mean shrunk towards the platform's prior). */
  bayesianScore: number
  distribution: Record<'1' | '2' | '3' | '4' | '5', number>
  aspects: Record<keyof Aspects, number | null>
}

/** One item of `GET /api/reviews/pending`. */
export interface PendingReview {
  contractId: string
  jobId: string
  jobTitle: string | null
  role: 'hirer' | 'worker'
  /** Whom the caller would review. */
  subjectId: string
  closesAt: string
  timeLeftMs: number
}

/**
 * Problem codes of `POST /api/reviews` that mean "the review service has not heard of the end of
 * the contract yet" (its read model follows `ContractCompleted`).
 */
const NOT_HEARD_YET = new Set(['REVIEW_ERR_CONTRACT_NOT_FOUND', 'REVIEW_ERR_CONTRACT_NOT_ENDED'])

/** Options of {@link submitReview}. */
export interface SubmitOptions {
  /** How long to wait for the review service to learn the contract ended, ms (default 10 000). */
  waitMs?: number
}

/**
 * A party reviews the other: `POST /api/reviews` → 201 `{review}` (status `awaiting_reveal`, or
 * `published` when it was the second review and revealed both).
 *
 * Right after the contract completes, the review service may not have consumed
 * `ContractCompleted` yet: it answers 404 `REVIEW_ERR_CONTRACT_NOT_FOUND` or 409
 * `REVIEW_ERR_CONTRACT_NOT_ENDED`; both are retried until `waitMs`. Nothing is written by those
 * refusals, so retrying cannot review twice.
 *
 * @throws UnexpectedStatus for any other answer (400 naming the field, 403 not a party, 409
 *   already reviewed or the window closed), or the last refusal once `waitMs` is up
 */
export async function submitReview(
  author: Session,
  input: ReviewInput,
  options: SubmitOptions = {},
): Promise<Review> {
  const deadline = Date.now() + (options.waitMs ?? 10_000)
  for (let pause = 200; ; pause = Math.min(pause * 2, 1_000)) {
    try {
      const res = await author.call<{ review: Review }>('POST', '/api/reviews', {
        body: input,
        expect: [201],
      })
      return res.body.review
    } catch (err) {
      if (!(err instanceof UnexpectedStatus) || Date.now() > deadline) throw err
      const code = (err.body as { code?: string } | undefined)?.code ?? ''
      if (!((err.status === 404 || err.status === 409) && NOT_HEARD_YET.has(code))) throw err
      await sleep(pause)
    }
  }
}

/** `GET /api/reviews?userId=&role=`: the public reviews about `userId`, newest first (first page). */
export async function reviewsAbout(
  session: Session,
  userId: string,
  options: { role?: 'hirer' | 'worker'; limit?: number } = {},
): Promise<Page<Review>> {
  const q = new URLSearchParams({ userId, limit: String(options.limit ?? 20) })
  if (options.role) q.set('role', options.role)
  const res = await session.call<Page<Review>>('GET', `/api/reviews?${q.toString()}`, { expect: [200] })
  return res.body
}

/** `GET /api/reviews/summary?userId=`. */
export async function ratingSummary(session: Session, userId: string): Promise<RatingSummary> {
  const res = await session.call<RatingSummary>(
    'GET',
    `/api/reviews/summary?userId=${encodeURIComponent(userId)}`,
    { expect: [200] },
  )
  return res.body
}

/** `GET /api/reviews/pending`: the caller's ended contracts still awaiting their review. */
export async function pendingReviews(session: Session): Promise<PendingReview[]> {
  const res = await session.call<{ items: PendingReview[] }>('GET', '/api/reviews/pending', {
    expect: [200],
  })
  return res.body.items
}

/** `GET /api/users/:id` → its `rating`, `{average, count}` (0/0 until rated). */
export async function profileRating(
  session: Session,
  userId: string,
): Promise<{ average: number; count: number }> {
  const res = await session.call<{ rating?: { average: number; count: number } }>(
    'GET',
    `/api/users/${encodeURIComponent(userId)}`,
    { expect: [200] },
  )
  return res.body.rating ?? { average: 0, count: 0 }
}

/**
 * Read `GET /api/users/:id` until its rating has `count` reviews (the user service follows
 * `RatingUpdated`) or the time is up; returns the last rating read.
 */
export async function pollProfileRating(
  session: Session,
  userId: string,
  count: number,
  waitMs: number,
): Promise<{ average: number; count: number }> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const rating = await profileRating(session, userId)
    if (rating.count >= count || Date.now() > deadline) return rating
    await sleep(300)
  }
}

/** A worker as `GET /api/users/search` lists them (the fields the demo reads). */
export interface SearchHit {
  id: string
  displayName: string
  rating: { average: number; count: number }
}

/**
 * Search workers with `query` (`q=…&sort=rating`) until `userId` is listed with `count` reviews
 * or the time is up; returns the worker's last hit (undefined when never listed).
 */
export async function pollSearchRating(
  session: Session,
  query: string,
  userId: string,
  count: number,
  waitMs: number,
): Promise<SearchHit | undefined> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const res = await session.call<Page<SearchHit>>('GET', `/api/users/search?${query}`, { expect: [200] })
    const hit = res.body.items.find((w) => w.id === userId)
    if ((hit && hit.rating.count >= count) || Date.now() > deadline) return hit
    await sleep(300)
  }
}
