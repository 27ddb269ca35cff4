/**
 * Worker search. The database filters (role worker, not deactivated, not suspended, keywords, skills, rate,
 * country, availability) using equality/`$all`/`$in`/range conditions and indexes; ranking runs
 * here over at most `candidateCap` matches (see domain/ranking.ts), and the cursor is the last
 * item's position in that total order.
 */
import { BadRequest, decodeCursor, pageOf, withFields } from '@kelmah/service-kit'
import type { Model } from 'mongoose'
import { queryWords } from '../domain/keywords.js'
import { normaliseCountry } from '../domain/profile.js'
import {
  after,
  CURSOR_ARITY,
  positionFromCursor,
  positionOf,
  rank,
  type Candidate,
  type Sort,
} from '../domain/ranking.js'
import { parseSkillFilter } from '../domain/skills.js'
import type { Availability, ProfileDoc } from '../models/profile.js'

/** Query of `GET /api/users/search` (already schema-checked). */
export interface SearchQuery {
  q?: string
  skills?: string
  minRate?: number
  maxRate?: number
  currency?: string
  country?: string
  availability?: string
  sort?: Sort
  limit?: number
  cursor?: string
}

/** One search hit. */
export interface SearchItem {
  id: string
  displayName: string
  headline: string | null
  avatarUrl: string | null
  skills: string[]
  /** The requested skills this worker has (empty without a `skills` filter). */
  matchedSkills: string[]
  hourlyRate: { amountMinor: number; currency: string } | null
  availability: string | null
  location: { country: string; city: string | null } | null
  rating: { average: number; count: number }
}

const AVAILABILITIES: readonly Availability[] = ['available', 'limited', 'unavailable']

type Row = Pick<
  ProfileDoc,
  | '_id'
  | 'displayName'
  | 'headline'
  | 'avatarUrl'
  | 'skills'
  | 'hourlyRate'
  | 'availability'
  | 'location'
  | 'rating'
  | 'createdAt'
>
type RowCandidate = Candidate & { row: Row }

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

const badQuery = (field: string, message: string) =>
  withFields(new BadRequest(`${field} ${message}`), [{ field, message, in: 'querystring' as const }])

/**
 * The database order that decides which matches survive the candidate cap, per sort: for
 * relevance and rating, the ranking's rating term first (the Bayesian score; profiles rated
 * before the review service sent one have it null and come after those that have one).
 */
const CAP_ORDER: Record<Sort, Record<string, 1 | -1>> = {
  relevance: { 'rating.bayesianScore': -1, 'rating.average': -1, 'rating.count': -1, _id: 1 },
  rating: { 'rating.bayesianScore': -1, 'rating.average': -1, 'rating.count': -1, _id: 1 },
  rate_asc: { 'hourlyRate.amountMinor': 1, _id: 1 },
  rate_desc: { 'hourlyRate.amountMinor': -1, _id: 1 },
  newest: { createdAt: -1, _id: 1 },
}

/**
 * The MongoDB filter of a search.
 *
 * @throws BadRequest (400) naming the field: `currency` missing with a rate filter or rate sort,
 *   `maxRate` below `minRate`, an unknown `country` or `availability`
 */
export function searchFilter(query: SearchQuery): {
  filter: Record<string, unknown>
  skills: string[]
  sort: Sort
} {
  const sort = query.sort ?? 'relevance'
  // A profile without a name (created from a token, never completed) is not shown to hirers, nor
  // a suspended one (`$ne: true`: profiles stored before the field existed have none; FerretDB's
  // PostgreSQL backend pushes `$ne` on a boolean down like an equality).
  const filter: Record<string, unknown> = {
    role: 'worker',
    deactivated: false,
    suspended: { $ne: true },
    displayName: { $ne: '' },
  }
  const and: Record<string, unknown>[] = []
  const words = queryWords(query.q)
  if (words.length > 0) {
    // Every word must be a keyword; the last one may be a prefix (the user is still typing).
    const whole = words.slice(0, -1)
    if (whole.length > 0) and.push({ keywords: { $all: whole } })
    and.push({ keywords: { $regex: `^${escapeRegex(words[words.length - 1] as string)}` } })
  }
  const skills = parseSkillFilter(query.skills)
  if (skills.length > 0) filter.skills = { $in: skills }
  const rateFilter = query.minRate !== undefined || query.maxRate !== undefined
  if ((rateFilter || sort === 'rate_asc' || sort === 'rate_desc') && !query.currency) {
    throw badQuery(
      'currency',
      'is required with minRate, maxRate or a rate sort (rates compare only within one currency)',
    )
  }
  if (query.minRate !== undefined && query.maxRate !== undefined && query.maxRate < query.minRate) {
    throw badQuery('maxRate', 'must not be below minRate')
  }
  if (query.currency) {
    filter['hourlyRate.currency'] = query.currency
    if (rateFilter) {
      filter['hourlyRate.amountMinor'] = {
        ...(query.minRate !== undefined ? { $gte: query.minRate } : {}),
        ...(query.maxRate !== undefined ? { $lte: query.maxRate } : {}),
      }
    }
  }
  if (query.country) {
    const country = normaliseCountry(query.country)
    if (!country) throw badQuery('country', 'is not an ISO 3166-1 alpha-2 country code')
    filter['location.country'] = country
  }
  if (query.availability) {
    const wanted = [
      ...new Set(
        query.availability
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean),
      ),
    ]
    const bad = wanted.find((a) => !AVAILABILITIES.includes(a as Availability))
    if (bad !== undefined)
      throw badQuery('availability', `must be a comma list of ${AVAILABILITIES.join(', ')}`)
    if (wanted.length > 0) filter.availability = { $in: wanted }
  }
  if (and.length > 0) filter.$and = and
  return { filter, skills, sort }
}

/** The search use case. */
export class WorkerSearch {
  constructor(
    private readonly Profile: Model<ProfileDoc>,
    private readonly candidateCap: number,
  ) {}

  /**
   * One page of workers matching `query`, ranked (README "Search").
   *
   * @throws BadRequest (400) naming the field (see {@link searchFilter}), or `cursor` when it is
   *   not a cursor of this sort order
   */
  async search(query: SearchQuery): Promise<{ items: SearchItem[]; nextCursor: string | null }> {
    const { filter, skills, sort } = searchFilter(query)
    const limit = query.limit ?? 20
    const decoded = decodeCursor(query.cursor, CURSOR_ARITY)
    const position = decoded ? positionFromCursor(sort, decoded) : undefined
    if (decoded && !position) throw badQuery('cursor', 'is not a cursor of this search order')
    const rows = await this.Profile.find(filter, {
      displayName: 1,
      headline: 1,
      avatarUrl: 1,
      skills: 1,
      hourlyRate: 1,
      availability: 1,
      location: 1,
      rating: 1,
      createdAt: 1,
    })
      .sort(CAP_ORDER[sort])
      .limit(this.candidateCap)
      .lean<Row[]>()
    const candidates: RowCandidate[] = rows.map((row) => ({
      id: row._id,
      skills: row.skills ?? [],
      rating: {
        average: row.rating?.average ?? 0,
        count: row.rating?.count ?? 0,
        bayesianScore: row.rating?.bayesianScore ?? null,
      },
      rateMinor: row.hourlyRate?.amountMinor ?? null,
      createdAtMs: new Date(row.createdAt).getTime(),
      row,
    }))
    const rest = after(rank(candidates, sort, skills), position).slice(0, limit + 1)
    const page = pageOf(rest, limit, (r) => positionOf(sort, r))
    return {
      items: page.items.map(({ candidate: { row }, matchedSkills }) => ({
        id: row._id,
        displayName: row.displayName ?? '',
        headline: row.headline ?? null,
        avatarUrl: row.avatarUrl ?? null,
        skills: row.skills ?? [],
        matchedSkills,
        hourlyRate: row.hourlyRate
          ? { amountMinor: row.hourlyRate.amountMinor, currency: row.hourlyRate.currency }
          : null,
        availability: row.availability ?? null,
        location: row.location ? { country: row.location.country, city: row.location.city ?? null } : null,
        rating: { average: row.rating?.average ?? 0, count: row.rating?.count ?? 0 },
      })),
      nextCursor: page.nextCursor,
    }
  }
}
