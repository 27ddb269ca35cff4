/**
 * Steps 19–22 of the demo story (infra/demo.ts): the reviews, after the contract completed. The
 * hirer reviews the worker first; while the worker has not reviewed, nobody but the hirer sees
 * that review (the double-blind rule, services/review/README.md): the worker's public reviews and
 * summary show nothing, and the worker cannot open it by id. Then the worker reviews the hirer:
 * both reviews become public at once (`ReviewsRevealed`), and the worker's profile and search
 * result show the new average and count (the user service follows `RatingUpdated`).
 */
import { KelmahProblem, ok } from '@kelmah/sdk'
import type { Account } from './accounts.js'
import {
  pendingReviews,
  pollProfileRating,
  pollSearchRating,
  ratingSummary,
  type RatingSummary,
  type Review,
  reviewsAbout,
  type SearchHit,
  submitReview,
} from './reviewing.js'
import { DemoFailed } from './errors.js'
import { sleep } from './polls.js'

/** What the review part of the story produced. */
export interface DemoReviews {
  /** The hirer's review of the worker as submitted (`awaiting_reveal`). */
  hirerReview: Review
  /** While only the hirer had reviewed: what the worker saw of reviews about themselves, and their summary. */
  beforeReveal: {
    /** Reviews about the worker, as the worker lists them (expected: none from the hirer). */
    workerSees: Review[]
    /** ... and as the hirer lists them (the author sees their review only among their own). */
    hirerSees: Review[]
    workerSummary: RatingSummary
    /** The status the worker got opening the hirer's review by id (404: as if it did not exist). */
    workerOpensById: number
    /** Whether the worker's pending list showed the contract (with the time left). */
    workerPending: boolean
  }
  /** The worker's review of the hirer (`published`: the second review revealed both). */
  workerReview: Review
  /** After the reveal: the public reviews about each party. */
  aboutWorker: Review[]
  aboutHirer: Review[]
  workerSummary: RatingSummary
  /** The worker's profile rating (`GET /api/users/:id`) once the user service caught up. */
  profileRating: { average: number; count: number }
  /** The worker as a search lists them (`GET /api/users/search?q=<tag>&sort=rating`). */
  searchHit: SearchHit | undefined
  /** The worker's notification kinds about the contract (`review_requested`, `reviews_revealed`). */
  notificationKinds: string[]
}

/** What {@link reviewFlow} needs from {@link runDemo}. */
interface ReviewContext {
  hirer: Account
  worker: Account
  contractId: string
  /** A word only the worker's profile has, to find them by search. */
  searchWord: string
  waitMs: number
  requireEventEffects: boolean
  step: (text: string) => void
  note: (text: string) => void
  learn: (...ids: Array<string | undefined>) => void
  /** Resolves when `ReviewsRevealed` for the contract crossed the bus (rejects after the wait). */
  revealed: () => Promise<unknown>
}

/**
 * Steps 19–22.
 *
 * @throws KelmahProblem when a call is refused
 * @throws DemoFailed when a hidden review shows before both reviewed, the second review does not
 *   reveal both, or the worker's profile or search result does not show the new rating in time
 */
export async function reviewFlow(c: ReviewContext): Promise<DemoReviews> {
  const { hirer, worker, step, note, waitMs } = c

  step('19. The hirer reviews the worker (the review service opened the window on ContractCompleted)')
  const hirerReview = await submitReview(
    hirer,
    {
      contractId: c.contractId,
      rating: 5,
      aspects: { communication: 5, quality: 5, timeliness: 4, professionalism: 5 },
      comment: 'Kofi delivered a booking site our guests use every day. Clear, quick and careful.',
      privateNote: 'Smooth from start to finish.',
    },
    { waitMs },
  )
  c.learn(hirerReview.id)
  note(`review ${hirerReview.id}: ${hirerReview.rating}★, ${hirerReview.status}`)
  if (hirerReview.status !== 'awaiting_reveal')
    throw new DemoFailed(`the first review is ${hirerReview.status}, not awaiting_reveal`)

  step('20. Double-blind: until the worker reviews too, only the hirer sees that review')
  const workerSees = await reviewsAbout(worker, worker.id)
  const hirerSees = await reviewsAbout(hirer, worker.id)
  const hiddenSummary = await ratingSummary(worker, worker.id)
  let workerOpensById = 200
  try {
    await worker.kelmah.api.GET('/api/reviews/{id}', { params: { path: { id: hirerReview.id } } })
  } catch (err) {
    if (!(err instanceof KelmahProblem)) throw err
    workerOpensById = err.status
  }
  const pending = await pendingReviews(worker)
  const mine = pending.find((p) => p.contractId === c.contractId)
  note(
    `the worker's public reviews list ${workerSees.length} review(s); summary count ${hiddenSummary.count}, average ${hiddenSummary.average}; GET /api/reviews/${hirerReview.id} as the worker → ${workerOpensById}`,
  )
  note(`the hirer's own listing of reviews about the worker: ${hirerSees.length} (public ones only)`)
  if (mine)
    note(`the worker's pending reviews list the contract: ${Math.round(mine.timeLeftMs / 3_600_000)} h left`)
  const leaked = [...workerSees, ...hirerSees].some((r) => r.id === hirerReview.id)
  if (leaked || hiddenSummary.count > 0 || workerOpensById === 200)
    throw new DemoFailed(
      `the hirer's review ${hirerReview.id} showed before the worker reviewed (listed: ${leaked}, summary count ${hiddenSummary.count}, by id ${workerOpensById})`,
    )
  if (!mine)
    throw new DemoFailed(`GET /api/reviews/pending did not list contract ${c.contractId} for the worker`)

  step('21. The worker reviews the hirer: both reviews become public at once')
  const workerReview = await submitReview(
    worker,
    {
      contractId: c.contractId,
      rating: 4,
      aspects: { communication: 4, professionalism: 5 },
      comment: 'A clear brief and quick answers; the milestone was funded on day one.',
    },
    { waitMs },
  )
  c.learn(workerReview.id)
  note(`review ${workerReview.id}: ${workerReview.rating}★, ${workerReview.status}`)
  await c.revealed().catch(() => {
    throw new DemoFailed(`no ReviewsRevealed event for contract ${c.contractId} within ${waitMs / 1000} s`)
  })
  const aboutWorker = await reviewsAbout(hirer, worker.id)
  const aboutHirer = await reviewsAbout(worker, hirer.id)
  const shownOfWorker = aboutWorker.find((r) => r.id === hirerReview.id)
  const shownOfHirer = aboutHirer.find((r) => r.id === workerReview.id)
  note(
    `about the worker: ${shownOfWorker ? `${shownOfWorker.rating}★ by ${shownOfWorker.authorName ?? shownOfWorker.authorId} for "${shownOfWorker.jobTitle}"` : 'MISSING'}`,
  )
  note(
    `about the hirer: ${shownOfHirer ? `${shownOfHirer.rating}★ by ${shownOfHirer.authorName ?? shownOfHirer.authorId}` : 'MISSING'}`,
  )
  if (!shownOfWorker || !shownOfHirer)
    throw new DemoFailed(
      `after both reviewed, the reviews are not both public (about the worker: ${Boolean(shownOfWorker)}, about the hirer: ${Boolean(shownOfHirer)})`,
    )
  if (shownOfWorker.revealedAt !== shownOfHirer.revealedAt)
    note(`revealed at ${shownOfWorker.revealedAt} and ${shownOfHirer.revealedAt}`)
  else note(`both revealed at ${shownOfWorker.revealedAt}`)
  // The aggregates follow the reveal (the same service; read until they count the review).
  let workerSummary = await ratingSummary(hirer, worker.id)
  for (const deadline = Date.now() + waitMs; workerSummary.count < 1 && Date.now() < deadline;) {
    await sleep(200)
    workerSummary = await ratingSummary(hirer, worker.id)
  }
  note(
    `the worker's summary: ${workerSummary.count} review(s), average ${workerSummary.average}, ranking score ${workerSummary.bayesianScore}`,
  )

  step("22. The worker's profile and search result show the new rating (RatingUpdated → user service)")
  const profileRating = await pollProfileRating(hirer, worker.id, workerSummary.count, waitMs)
  note(`GET /api/users/${worker.id}: rating ${profileRating.average} from ${profileRating.count} review(s)`)
  if (profileRating.count !== workerSummary.count || profileRating.average !== workerSummary.average)
    throw new DemoFailed(
      `the worker's profile shows ${profileRating.average}/${profileRating.count}, not ${workerSummary.average}/${workerSummary.count}, ${waitMs / 1000} s after the reveal (is the user service consuming RatingUpdated?)`,
    )
  const searchHit = await pollSearchRating(hirer, c.searchWord, worker.id, workerSummary.count, waitMs)
  note(
    `GET /api/users/search?q=${c.searchWord}&sort=rating: ${searchHit ? `${searchHit.displayName}, rating ${searchHit.rating.average} from ${searchHit.rating.count}` : 'the worker MISSING'}`,
  )
  if (!searchHit || searchHit.rating.count !== workerSummary.count)
    throw new DemoFailed(`the worker's search result does not show ${workerSummary.count} review(s)`)

  const notificationKinds = await reviewNotifications(c)
  return {
    hirerReview,
    beforeReveal: {
      workerSees,
      hirerSees,
      workerSummary: hiddenSummary,
      workerOpensById,
      workerPending: Boolean(mine),
    },
    workerReview,
    aboutWorker,
    aboutHirer,
    workerSummary,
    profileRating,
    searchHit,
    notificationKinds,
  }
}

/**
 * The worker's notifications about the contract from the review story (messaging makes them from
 * `ContractCompleted` and `ReviewsRevealed`), polled until both kinds are there or the time is up.
 *
 * @throws DemoFailed when one is missing and the story requires event effects
 */
async function reviewNotifications(c: ReviewContext): Promise<string[]> {
  const wanted = ['review_requested', 'reviews_revealed']
  const deadline = Date.now() + c.waitMs
  let kinds: string[] = []
  for (;;) {
    const page = await ok(
      c.worker.kelmah.api.GET('/api/notifications/', { params: { query: { limit: 100 } } }),
    )
    const ours = page.items.filter((n) => n.data?.contractId === c.contractId && wanted.includes(n.kind))
    kinds = ours.map((n) => n.kind)
    if (wanted.every((k) => kinds.includes(k)) || Date.now() > deadline) {
      for (const n of ours) c.note(`notification ${n.kind}: "${n.title}" — ${n.body}`)
      break
    }
    await sleep(300)
  }
  const missing = wanted.filter((k) => !kinds.includes(k))
  if (missing.length && c.requireEventEffects)
    throw new DemoFailed(`the worker has no ${missing.join(', ')} notification within ${c.waitMs / 1000} s`)
  if (missing.length)
    c.note(`no ${missing.join(', ')} notification (another messaging instance may have taken the event)`)
  return kinds
}
