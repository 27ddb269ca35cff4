/**
 * Rating figures of a user and the two scores made of them — pure math, no I/O.
 *
 * **Figures** ({@link RatingFigures}): over the revealed, visible reviews about one user — how many,
 * the sum of their stars, how many of each star, and per aspect the sum and how many rated it
 * (aspects are optional per review).
 *
 * **Plain average** ({@link plainAverage}): `sum / count`, rounded to 2 decimals, 0 with no
 * reviews. What profiles show (`RatingUpdated.average`).
 *
 * **Bayesian score** ({@link bayesianScore}), for ranking only (`RatingUpdated.bayesianScore`):
 *
 * ```
 *            C·m + sum
 *   score = ───────────        (= (C·m + count·average) / (C + count))
 *            C + count
 * ```
 *
 * the Bayesian average: the user's mean shrunk towards a prior mean `m` as if they had `C` more
 * reviews of exactly `m` stars. With few reviews the score stays near `m`; with many it tends to
 * the plain average — so one 5-star review does not outrank forty 4.8-star ones. It is the
 * "weighted rating" IMDb published for its Top 250 (`WR = (v/(v+m))·R + (m/(v+m))·C`, the same
 * formula with IMDb's letters swapped: `v` votes, `R` mean, `m` minimum votes, `C` site mean);
 * see also Evan Miller, "Bayesian Average Ratings" (2012). `m` is `REVIEW_PRIOR_MEAN` (default
 * 4.0), `C` is `REVIEW_PRIOR_WEIGHT` (default 5), both in src/config.ts. With no reviews the score
 * is `m`; with `C = 0` it is the plain average.
 */

/** The rated aspects of a review (each 1–5 when given). */
export const ASPECTS = ['communication', 'quality', 'timeliness', 'professionalism'] as const
/** One aspect's name. */
export type Aspect = (typeof ASPECTS)[number]
/** A review's aspect ratings (any subset, each an integer 1–5). */
export type AspectRatings = Partial<Record<Aspect, number>>

/** A star: 1–5. */
export const STARS = [1, 2, 3, 4, 5] as const

/** What a review contributes to its subject's figures. */
export interface Rated {
  rating: number
  aspects?: AspectRatings | null
}

/** A user's rating figures (all counts and sums are whole numbers of stars). */
export interface RatingFigures {
  count: number
  sum: number
  /** How many reviews gave each star, keys `'1'`–`'5'`. */
  stars: Record<'1' | '2' | '3' | '4' | '5', number>
  /** Per aspect: the sum of its ratings and how many reviews rated it. */
  aspects: Record<Aspect, { sum: number; count: number }>
}

/** The prior of the Bayesian score. */
export interface Prior {
  /** `m`, 1–5. */
  mean: number
  /** `C`, in reviews' worth (≥ 0). */
  weight: number
}

/** Figures of no reviews at all. */
export function emptyFigures(): RatingFigures {
  return {
    count: 0,
    sum: 0,
    stars: { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 },
    aspects: {
      communication: { sum: 0, count: 0 },
      quality: { sum: 0, count: 0 },
      timeliness: { sum: 0, count: 0 },
      professionalism: { sum: 0, count: 0 },
    },
  }
}

/**
 * The figures of `reviews` (the revealed, visible reviews about one user).
 *
 * @throws RangeError on a rating or aspect that is not an integer 1–5 (the route schemas refuse
 *   those; stored data that breaks the rule is a bug worth stopping for)
 */
export function figuresOf(reviews: Iterable<Rated>): RatingFigures {
  const f = emptyFigures()
  for (const r of reviews) {
    checkStar(r.rating, 'rating')
    f.count += 1
    f.sum += r.rating
    f.stars[String(r.rating) as keyof RatingFigures['stars']] += 1
    for (const a of ASPECTS) {
      const v = r.aspects?.[a]
      if (v === undefined || v === null) continue
      checkStar(v, a)
      f.aspects[a].sum += v
      f.aspects[a].count += 1
    }
  }
  return f
}

function checkStar(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 1 || v > 5) throw new RangeError(`${what} must be an integer 1–5, got ${v}`)
}

/** `x` rounded half away from zero to 2 decimals. */
export function round2(x: number): number {
  return Math.round((x + Number.EPSILON) * 100) / 100
}

/** The plain mean, 2 decimals; 0 with no reviews. */
export function plainAverage(f: Pick<RatingFigures, 'count' | 'sum'>): number {
  return f.count === 0 ? 0 : round2(f.sum / f.count)
}

/** The Bayesian score `(C·m + sum) / (C + count)`, 2 decimals (see the module comment). */
export function bayesianScore(f: Pick<RatingFigures, 'count' | 'sum'>, prior: Prior): number {
  const denominator = prior.weight + f.count
  if (denominator === 0) return 0
  return round2((prior.weight * prior.mean + f.sum) / denominator)
}

/** Per aspect, its mean over the reviews that rated it (2 decimals), or `null` when none did. */
export function aspectAverages(f: RatingFigures): Record<Aspect, number | null> {
  const out = {} as Record<Aspect, number | null>
  for (const a of ASPECTS) {
    const { sum, count } = f.aspects[a]
    out[a] = count === 0 ? null : round2(sum / count)
  }
  return out
}

/** True when `a` and `b` are the same figures. */
export function sameFigures(a: RatingFigures, b: RatingFigures): boolean {
  if (a.count !== b.count || a.sum !== b.sum) return false
  for (const s of STARS) if (a.stars[`${s}`] !== b.stars[`${s}`]) return false
  for (const x of ASPECTS) {
    if (a.aspects[x].sum !== b.aspects[x].sum || a.aspects[x].count !== b.aspects[x].count) return false
  }
  return true
}

/** Where `stored` differs from `expected`, as `path: stored ≠ expected` lines (empty when equal). */
export function figureDifferences(stored: RatingFigures, expected: RatingFigures): string[] {
  const out: string[] = []
  const cmp = (path: string, s: number, e: number) => {
    if (s !== e) out.push(`${path}: stored ${s} ≠ ${e}`)
  }
  cmp('count', stored.count, expected.count)
  cmp('sum', stored.sum, expected.sum)
  for (const s of STARS) cmp(`stars.${s}`, stored.stars[`${s}`], expected.stars[`${s}`])
  for (const x of ASPECTS) {
    cmp(`aspects.${x}.sum`, stored.aspects[x].sum, expected.aspects[x].sum)
    cmp(`aspects.${x}.count`, stored.aspects[x].count, expected.aspects[x].count)
  }
  return out
}
