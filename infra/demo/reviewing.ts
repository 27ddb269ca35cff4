/**
 * The review steps of the demo and the seed, on the SDK's generated calls: review the other party
 * of an ended contract, the public reviews about a user, a user's rating summary, the caller's
 * contracts awaiting their review, and polls of a profile's and a search hit's rating.
 *
 * Reviews are double-blind (services/review/README.md). Events are asynchronous: the review
 * service learns that a contract ended from `ContractCompleted`, so {@link submitReview} waits
 * for it; profiles learn the new rating from `RatingUpdated` ({@link pollProfileRating},
 * {@link pollSearchRating}).
 */
import { type BodyOf, ok, type ResponseOf } from '@kelmah/sdk'
import type { Account } from './accounts.js'
import { refused, sleep } from './marketplace.js'

/** The body of `POST /api/reviews`. */
export type ReviewInput = BodyOf<'/api/reviews', 'post'>
/** A review as the service answers it (`awaiting_reveal`, `published`, `hidden`). */
export type Review = ResponseOf<'/api/reviews/{id}', 'get'>['review']
/** `GET /api/reviews/summary?userId=`. */
export type RatingSummary = ResponseOf<'/api/reviews/summary', 'get'>
/** One item of `GET /api/reviews/pending`. */
export type PendingReview = ResponseOf<'/api/reviews/pending', 'get'>['items'][number]
/** A user as `GET /api/users/search` lists them. */
export type SearchHit = ResponseOf<'/api/users/search', 'get'>['items'][number]

/** Codes of `POST /api/reviews` that mean "the review service has not heard the contract ended yet". */
const NOT_HEARD_YET = new Set(['REVIEW_ERR_CONTRACT_NOT_FOUND', 'REVIEW_ERR_CONTRACT_NOT_ENDED'])

/**
 * A party reviews the other: `POST /api/reviews` → 201 `{review}` (`awaiting_reveal`, or
 * `published` when it was the second review and revealed both). The refusals of a review service
 * that has not consumed `ContractCompleted` yet (404/409, nothing written) are retried until
 * `waitMs` (default 10 000).
 *
 * @throws KelmahProblem for any other refusal (400 naming the field, 403 not a party, 409 already
 *   reviewed or the window closed), or the last refusal once `waitMs` is up
 */
export async function submitReview(
  author: Account,
  input: ReviewInput,
  options: { waitMs?: number } = {},
): Promise<Review> {
  const deadline = Date.now() + (options.waitMs ?? 10_000)
  for (let pause = 200; ; pause = Math.min(pause * 2, 1_000)) {
    try {
      return (await ok(author.kelmah.api.POST('/api/reviews', { body: input }))).review
    } catch (err) {
      const notYet = refused(err, 404, NOT_HEARD_YET) || refused(err, 409, NOT_HEARD_YET)
      if (!notYet || Date.now() > deadline) throw err
      await sleep(pause)
    }
  }
}

/** `GET /api/reviews?userId=&role=`: the public reviews about `userId`, newest first (first page). */
export async function reviewsAbout(
  account: Account,
  userId: string,
  options: { role?: 'hirer' | 'worker'; limit?: number } = {},
): Promise<Review[]> {
  const query = { userId, limit: options.limit ?? 20, ...(options.role ? { role: options.role } : {}) }
  return (await ok(account.kelmah.api.GET('/api/reviews', { params: { query } }))).items
}

/** `GET /api/reviews/summary?userId=`. */
export function ratingSummary(account: Account, userId: string): Promise<RatingSummary> {
  return ok(account.kelmah.api.GET('/api/reviews/summary', { params: { query: { userId } } }))
}

/** `GET /api/reviews/pending`: the caller's ended contracts still awaiting their review. */
export async function pendingReviews(account: Account): Promise<PendingReview[]> {
  return (await ok(account.kelmah.api.GET('/api/reviews/pending'))).items
}

/** `GET /api/users/{id}` → its `rating`, `{average, count}` (0/0 until rated). */
export async function profileRating(
  account: Account,
  userId: string,
): Promise<{ average: number; count: number }> {
  const profile = await ok(account.kelmah.api.GET('/api/users/{id}', { params: { path: { id: userId } } }))
  return profile.rating ?? { average: 0, count: 0 }
}

/**
 * Read `GET /api/users/{id}` until its rating has `count` reviews (the user service follows
 * `RatingUpdated`) or the time is up; returns the last rating read.
 */
export async function pollProfileRating(
  account: Account,
  userId: string,
  count: number,
  waitMs: number,
): Promise<{ average: number; count: number }> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const rating = await profileRating(account, userId)
    if (rating.count >= count || Date.now() > deadline) return rating
    await sleep(300)
  }
}

/**
 * Search users with `q` (sorted by rating) until `userId` is listed with `count` reviews or the
 * time is up; returns the user's last hit (undefined when never listed).
 */
export async function pollSearchRating(
  account: Account,
  q: string,
  userId: string,
  count: number,
  waitMs: number,
): Promise<SearchHit | undefined> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const page = await ok(
      account.kelmah.api.GET('/api/users/search', { params: { query: { q, sort: 'rating' } } }),
    )
    const hit = page.items.find((w) => w.id === userId)
    if ((hit && hit.rating.count >= count) || Date.now() > deadline) return hit
    await sleep(300)
  }
}
