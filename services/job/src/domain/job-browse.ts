/**
 * Pure rules of the browse/search read model (`read-model/job-index.ts`): which jobs are listed,
 * the sort keys as fixed-width strings (so Redis sorted sets of score 0 order them
 * lexicographically exactly as MongoDB orders `{key, _id}`), which sorted sets a job belongs to,
 * which set drives a query, and the post-filter on the remaining predicates.
 *
 * Everything here must agree with the database path of `services/job-search.ts` (`status`,
 * `visibility: 'public'`, `hirerSuspended ≠ true`, `category`, `skills $in`, `budget.type`,
 * `budget.currency`, `budgetHighMinor ≥ budgetMin`, `budgetLowMinor ≤ budgetMax`,
 * `keywords $all`): `test/domain/job-browse.test.ts` and `test/routes/job-read-model.test.ts`
 * hold them side by side.
 */
import type { JobStatus } from './job-status.js'

/** Digits of a padded sort key: enough for any safe integer (2^53 has 16 digits). */
export const KEY_DIGITS = 16

/** What the read model needs to know of a job to list it (a subset of `JobDoc`). */
export interface BrowseFacts {
  id: string
  status: JobStatus
  visibility: string
  hirerSuspended?: boolean | null
  category: string
  skills: readonly string[]
  keywords: readonly string[]
  budget: { type: string; currency: string }
  budgetLowMinor: number
  budgetHighMinor: number
  /** Milliseconds since the epoch. */
  createdAtMs: number
}

/** The compact facts the post-filter reads (stored per job, JSON, ~100 bytes). */
export interface Facet {
  c: string
  s: string[]
  t: string
  cur: string
  lo: number
  hi: number
  /** Creation time (ms): rebuilds the newest-order member for word checks of budget scans. */
  at: number
}

/** The predicates of a browse query besides the status (already normalised). */
export interface BrowseCriteria {
  status: JobStatus
  category?: string
  /** Normalised skills; any one matches (`$in`). */
  skills: readonly string[]
  /** Search words (`tokenize`); all must be among the job's keywords. */
  words: readonly string[]
  type?: string
  currency?: string
  budgetMin?: number
  budgetMax?: number
}

/**
 * Whether a job appears in browse/search lists at all: not a draft (drafts are listed from the
 * database, to their hirer only), public, and its hirer not suspended.
 */
export function isBrowseable(job: Pick<BrowseFacts, 'status' | 'visibility' | 'hirerSuspended'>): boolean {
  return job.status !== 'draft' && job.visibility === 'public' && job.hirerSuspended !== true
}

/**
 * A non-negative safe integer as {@link KEY_DIGITS} digits; `undefined` for anything else (the
 * caller then answers from the database, which orders any number).
 */
export function padKey(n: number): string | undefined {
  if (!Number.isSafeInteger(n) || n < 0) return undefined
  return String(n).padStart(KEY_DIGITS, '0')
}

/** The member of a job in a sorted set: `<padded key>:<24-hex id>` (lower case, as MongoDB orders ObjectIds). */
export function memberOf(key: number, id: string): string {
  const k = padKey(key)
  if (k === undefined) throw new RangeError(`sort key ${key} is not a non-negative safe integer`)
  return `${k}:${id.toLowerCase()}`
}

/** The job id of a member. */
export function idOfMember(member: string): string {
  return member.slice(KEY_DIGITS + 1)
}

/** Names of the sorted sets (relative to the model's key prefix). */
export const sets = {
  newest: (status: string) => `n:${status}`,
  newestByCategory: (status: string, category: string) => `n:${status}:c:${category}`,
  newestByWord: (status: string, word: string) => `n:${status}:w:${word}`,
  newestBySkill: (status: string, skill: string) => `n:${status}:s:${skill}`,
  budgetHigh: (status: string) => `bh:${status}`,
  budgetLow: (status: string) => `bl:${status}`,
}

/** One membership: a set and the member the job has in it. */
export type Membership = [set: string, member: string]

/**
 * Every sorted set `job` belongs to (none when not {@link isBrowseable}, or when a sort key is
 * not a non-negative safe integer — such a job is still listed by the database path).
 */
export function membershipsOf(job: BrowseFacts): Membership[] {
  if (!isBrowseable(job)) return []
  if (padKey(job.createdAtMs) === undefined) return []
  if (padKey(job.budgetHighMinor) === undefined || padKey(job.budgetLowMinor) === undefined) return []
  const st = job.status
  const newest = memberOf(job.createdAtMs, job.id)
  const out: Membership[] = [
    [sets.newest(st), newest],
    [sets.newestByCategory(st, job.category), newest],
    [sets.budgetHigh(st), memberOf(job.budgetHighMinor, job.id)],
    [sets.budgetLow(st), memberOf(job.budgetLowMinor, job.id)],
  ]
  for (const w of new Set(job.keywords)) out.push([sets.newestByWord(st, w), newest])
  for (const s of new Set(job.skills)) out.push([sets.newestBySkill(st, s), newest])
  return out
}

/** The facet of a job (what {@link matchesFacet} reads). */
export function facetOf(job: BrowseFacts): Facet {
  return {
    c: job.category,
    s: [...job.skills],
    t: job.budget.type,
    cur: job.budget.currency,
    lo: job.budgetLowMinor,
    hi: job.budgetHighMinor,
    at: job.createdAtMs,
  }
}

/**
 * The post-filter: whether a job with `facet` meets every predicate of `q` except the status
 * (the driving set has it) and the words (checked against the word sets).
 */
export function matchesFacet(facet: Facet, q: BrowseCriteria): boolean {
  if (q.category !== undefined && facet.c !== q.category) return false
  if (q.skills.length > 0 && !q.skills.some((s) => facet.s.includes(s))) return false
  if (q.type !== undefined && facet.t !== q.type) return false
  if (q.currency !== undefined && facet.cur !== q.currency) return false
  if (q.budgetMin !== undefined && !(facet.hi >= q.budgetMin)) return false
  if (q.budgetMax !== undefined && !(facet.lo <= q.budgetMax)) return false
  return true
}

/** A candidate sorted set for the newest-first order and what it already guarantees. */
export interface DriverOption {
  set: string
  /** The word this set guarantees (then not checked again), if any. */
  word?: string
}

/**
 * The sets that could drive a newest-first query: every one yields a superset of the answer in
 * the right order. The caller picks the smallest (`ZCARD`). Skills drive only when exactly one
 * is asked (several are an OR of sets: they are post-filtered instead).
 */
export function newestDrivers(q: BrowseCriteria): DriverOption[] {
  const st = q.status
  const out: DriverOption[] = [{ set: sets.newest(st) }]
  if (q.category !== undefined) out.push({ set: sets.newestByCategory(st, q.category) })
  for (const w of q.words) out.push({ set: sets.newestByWord(st, w), word: w })
  if (q.skills.length === 1) out.push({ set: sets.newestBySkill(st, q.skills[0] as string) })
  return out
}

/** Pick the option with the fewest members (the first on a tie). */
export function smallest<T>(options: readonly T[], sizes: readonly number[]): T {
  let best = 0
  for (let i = 1; i < options.length; i++) if ((sizes[i] ?? Infinity) < (sizes[best] ?? Infinity)) best = i
  return options[best] as T
}
