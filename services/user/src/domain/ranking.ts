/**
 * Search ranking, computed in TypeScript over the filtered candidates (FerretDB 1.24 has no
 * text score and no aggregation worth the name). Every sort is a key of four numbers compared
 * descending, then the user id ascending, so the order is total and a cursor — the last item's
 * key and id — marks a position that neither repeats nor skips items on the next page. Pure,
 * unit-tested.
 */
import type { CursorValue } from '@kelmah/service-kit'

/** Orders a search may ask for. */
export const SORTS = ['relevance', 'rating', 'rate_asc', 'rate_desc', 'newest'] as const
/** One of {@link SORTS}. */
export type Sort = (typeof SORTS)[number]

/** What ranking needs of a worker. */
export interface Candidate {
  id: string
  skills: readonly string[]
  /**
   * Rating summary; `count` 0 means not rated yet. `bayesianScore` is the review service's
   * ranking score (absent or null: the plain `average` stands in) — see {@link ratingTerm}.
   */
  rating: { average: number; count: number; bayesianScore?: number | null }
  /** Hourly rate in minor units, or null when the worker has not set one. */
  rateMinor: number | null
  /** When the profile was created, ms since the epoch. */
  createdAtMs: number
}

/** A ranked candidate: its sort key and the requested skills it has. */
export interface Ranked<C extends Candidate> {
  candidate: C
  key: [number, number, number, number]
  matchedSkills: string[]
}

/**
 * The rating term of the ranking: the Bayesian score the review service sends in
 * `RatingUpdated.bayesianScore` (the mean shrunk towards the platform's prior, so a single
 * 5-star review does not outrank forty 4.8s — formula in services/review/src/domain), or the
 * plain average when the event carried none; 0 for an unrated worker (`count` 0), whatever the
 * score, so every rated worker ranks above the unrated ones. Profiles still show the average.
 */
export function ratingTerm(rating: Candidate['rating']): number {
  if (rating.count <= 0) return 0
  return rating.bayesianScore ?? rating.average
}

/**
 * The sort key of `c` (all components compared descending); "rating" is {@link ratingTerm}:
 * - `relevance`: skill overlap (how many requested skills the worker has), rating, rating
 *   count, recency (profile creation);
 * - `rating`: rating, rating count, skill overlap, recency;
 * - `rate_asc` / `rate_desc`: has a rate (workers without one last), rate (ascending or
 *   descending), rating, recency;
 * - `newest`: recency.
 */
export function sortKey(c: Candidate, sort: Sort, overlap: number): [number, number, number, number] {
  const average = ratingTerm(c.rating)
  const { count } = c.rating
  const hasRate = c.rateMinor === null ? 0 : 1
  const rate = c.rateMinor ?? 0
  switch (sort) {
    case 'relevance':
      return [overlap, average, count, c.createdAtMs]
    case 'rating':
      return [average, count, overlap, c.createdAtMs]
    case 'rate_asc':
      return [hasRate, -rate, average, c.createdAtMs]
    case 'rate_desc':
      return [hasRate, rate, average, c.createdAtMs]
    case 'newest':
      return [c.createdAtMs, 0, 0, 0]
  }
}

/** Compare two positions `(key, id)`: negative when `a` comes first. */
export function comparePositions(
  a: { key: readonly number[]; id: string },
  b: { key: readonly number[]; id: string },
): number {
  for (let i = 0; i < 4; i++) {
    const x = a.key[i] ?? 0
    const y = b.key[i] ?? 0
    if (x !== y) return y - x
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/** Rank `candidates` for `sort`, given the requested (normalised) skills. */
export function rank<C extends Candidate>(
  candidates: readonly C[],
  sort: Sort,
  skills: readonly string[],
): Ranked<C>[] {
  const wanted = new Set(skills)
  const ranked = candidates.map((candidate) => {
    const matchedSkills = candidate.skills.filter((s) => wanted.has(s))
    return { candidate, key: sortKey(candidate, sort, matchedSkills.length), matchedSkills }
  })
  return ranked.sort((a, b) =>
    comparePositions({ key: a.key, id: a.candidate.id }, { key: b.key, id: b.candidate.id }),
  )
}

/** The cursor position of a ranked item: `[sort, k0, k1, k2, k3, id]`. */
export function positionOf(sort: Sort, r: Ranked<Candidate>): CursorValue[] {
  return [sort, ...r.key, r.candidate.id]
}

/** Number of components of a search cursor (for `decodeCursor`). */
export const CURSOR_ARITY = 6

/**
 * Turn a decoded cursor back into a position, or undefined when it is not a position of `sort`
 * (a cursor from another sort order is refused by the caller).
 */
export function positionFromCursor(
  sort: Sort,
  cursor: readonly CursorValue[],
): { key: number[]; id: string } | undefined {
  const [s, k0, k1, k2, k3, id] = cursor
  const key = [k0, k1, k2, k3]
  if (s !== sort || typeof id !== 'string' || !key.every((k) => typeof k === 'number' && Number.isFinite(k)))
    return undefined
  return { key: key as number[], id }
}

/** The ranked items strictly after `position` (all of them when there is none). */
export function after<C extends Candidate>(
  ranked: readonly Ranked<C>[],
  position: { key: number[]; id: string } | undefined,
): Ranked<C>[] {
  if (!position) return [...ranked]
  return ranked.filter((r) => comparePositions({ key: r.key, id: r.candidate.id }, position) > 0)
}
