/**
 * Ranking rules for search relevance and recommendations — pure functions, computed in
 * TypeScript over a bounded candidate set (FerretDB 1.24 has no text index and no `$avg`).
 * Every score is in [0, 1] unless stated; ties are broken by the callers' stable orders.
 */
import type { Money } from '@kelmah/contracts'
import type { Budget } from './budget.js'

/** Hours of work a fixed-price job is assumed to need when comparing it with an hourly rate. */
export const FIXED_JOB_ESTIMATED_HOURS = 20

/** Days after which a job's recency score has halved. */
export const RECENCY_HALF_LIFE_DAYS = 7

/** Ratings needed before a worker's average counts fully (shrinkage towards 0 below it). */
export const RATING_CONFIDENCE_COUNT = 5

/** Weights of a job's score for a worker: `skill·0.6 + rate·0.25 + recency·0.15`. */
export const JOB_WEIGHTS = { skill: 0.6, rate: 0.25, recency: 0.15 } as const

/** Weights of a worker's score for a job: `skill·0.55 + rate·0.25 + rating·0.2`. */
export const WORKER_WEIGHTS = { skill: 0.55, rate: 0.25, rating: 0.2 } as const

/**
 * Skill overlap: the share of the job's skills the worker has, `|J ∩ W| / |J|` (0 when the job
 * lists none). Skills compare after normalisation (lower case), which callers have done.
 */
export function skillOverlap(jobSkills: readonly string[], workerSkills: readonly string[]): number {
  if (jobSkills.length === 0) return 0
  const have = new Set(workerSkills)
  const matched = new Set(jobSkills.filter((s) => have.has(s)))
  return matched.size / new Set(jobSkills).size
}

/**
 * Rate fit between a job budget and a worker's hourly rate, in [0, 1]:
 * - different currency, or no rate → 0 (unknown fit ranks below any known fit);
 * - hourly budget `[min, max]`: 1 when `min ≤ rate ≤ max`; `rate / min` below the range (the
 *   worker asks less than expected — still affordable but may not match the level sought);
 *   `max / rate` above it (the job pays less than the worker asks);
 * - fixed budget `amount`: with `estimate = rate × FIXED_JOB_ESTIMATED_HOURS`, 1 when
 *   `amount ≥ estimate`, else `amount / estimate`.
 */
export function rateFit(budget: Budget, rate: Money | null | undefined): number {
  if (!rate || rate.amountMinor <= 0 || rate.currency !== budget.currency) return 0
  const r = rate.amountMinor
  if (budget.type === 'hourly') {
    if (r < budget.minMinor) return r / budget.minMinor
    if (r > budget.maxMinor) return budget.maxMinor / r
    return 1
  }
  const estimate = r * FIXED_JOB_ESTIMATED_HOURS
  return budget.amountMinor >= estimate ? 1 : budget.amountMinor / estimate
}

/**
 * Recency: `1 / (1 + ageDays / RECENCY_HALF_LIFE_DAYS)` — 1 for a job posted now, ½ after a
 * week, ⅓ after two. A future date (clock skew) counts as now.
 */
export function recency(postedAt: Date, now: Date): number {
  const ageDays = Math.max(0, now.getTime() - postedAt.getTime()) / 86_400_000
  return 1 / (1 + ageDays / RECENCY_HALF_LIFE_DAYS)
}

/** A worker's rating as the read model keeps it (`bayesianScore` from `RatingUpdated`, optional). */
export interface WorkerRating {
  average: number
  count: number
  bayesianScore?: number | null
}

/**
 * Rating score in [0, 1]: 0 for an unrated worker (`count` 0); else `bayesianScore / 5` when the
 * review service sent one (its mean shrunk towards the platform prior — the formula and its
 * source are in services/review/src/domain); else, for an aggregate without one,
 * `(average / 5) × count / (count + RATING_CONFIDENCE_COUNT)`. Either way a 5.0 from one review
 * scores below a 4.8 from forty.
 */
export function ratingScore(rating: WorkerRating): number {
  if (rating.count <= 0) return 0
  if (typeof rating.bayesianScore === 'number') return rating.bayesianScore / 5
  return (rating.average / 5) * (rating.count / (rating.count + RATING_CONFIDENCE_COUNT))
}

/**
 * Score of a job for a worker (`GET /api/jobs/recommended`):
 * `0.6·skillOverlap(job, worker) + 0.25·rateFit(job.budget, worker.rate) + 0.15·recency(job)`.
 */
export function scoreJobForWorker(
  job: { skills: readonly string[]; budget: Budget; postedAt: Date },
  worker: { skills: readonly string[]; hourlyRate: Money | null },
  now: Date,
): number {
  return (
    JOB_WEIGHTS.skill * skillOverlap(job.skills, worker.skills) +
    JOB_WEIGHTS.rate * rateFit(job.budget, worker.hourlyRate) +
    JOB_WEIGHTS.recency * recency(job.postedAt, now)
  )
}

/**
 * Score of a worker for a job (`GET /api/jobs/:id/recommended-workers`):
 * `0.55·skillOverlap(job, worker) + 0.25·rateFit(job.budget, worker.rate) + 0.2·ratingScore(worker)`.
 * Equal scores are ordered by rating average, then rating count, then id (see {@link compareWorkers}).
 */
export function scoreWorkerForJob(
  job: { skills: readonly string[]; budget: Budget },
  worker: { skills: readonly string[]; hourlyRate: Money | null; rating: WorkerRating },
): number {
  return (
    WORKER_WEIGHTS.skill * skillOverlap(job.skills, worker.skills) +
    WORKER_WEIGHTS.rate * rateFit(job.budget, worker.hourlyRate) +
    WORKER_WEIGHTS.rating * ratingScore(worker.rating)
  )
}

/** A scored worker, as {@link compareWorkers} orders them. */
export interface RankedWorker {
  id: string
  score: number
  rating: { average: number; count: number }
}

/** Order workers: score desc, then rating average desc, rating count desc, id asc. */
export function compareWorkers(a: RankedWorker, b: RankedWorker): number {
  return (
    b.score - a.score ||
    b.rating.average - a.rating.average ||
    b.rating.count - a.rating.count ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  )
}

/**
 * Search relevance of a job for `?q=&skills=&sort=relevance` (not bounded to [0, 1]):
 * `3 × (requested skills the job lists) + 2 × (query words in the title) + (query words in the
 * keywords)`.
 */
export function searchRelevance(
  job: { skills: readonly string[]; keywords: readonly string[]; titleWords: readonly string[] },
  query: { words: readonly string[]; skills: readonly string[] },
): number {
  const jobSkills = new Set(job.skills)
  const keywords = new Set(job.keywords)
  const title = new Set(job.titleWords)
  const skillHits = query.skills.filter((s) => jobSkills.has(s)).length
  const titleHits = query.words.filter((w) => title.has(w)).length
  const wordHits = query.words.filter((w) => keywords.has(w)).length
  return 3 * skillHits + 2 * titleHits + wordHits
}

/** A positioned, scored item for in-memory keyset paging of ranked lists. */
export interface Scored<T> {
  item: T
  score: number
  /** Secondary key, descending (ms since the epoch). */
  at: number
  /** Final tie-break, descending. */
  id: string
}

/** Order scored items: score desc, `at` desc, id desc. */
export function compareScored<T>(a: Scored<T>, b: Scored<T>): number {
  return b.score - a.score || b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)
}

/** True when `x` comes strictly after the position `[score, at, id]` in {@link compareScored} order. */
export function isAfter<T>(x: Scored<T>, position: readonly [number, number, string]): boolean {
  return compareScored(x, { item: undefined, score: position[0], at: position[1], id: position[2] }) > 0
}
