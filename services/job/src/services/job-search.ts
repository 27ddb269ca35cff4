/**
 * Job reads for lists: browse/search (`GET /api/jobs`) and the hirer's own list
 * (`GET /api/jobs/mine`). Keyset pages on `createdAt`/`_id` or the budget; `sort=relevance`
 * scores the newest `candidateCap` matches in TypeScript (`domain/ranking.ts`).
 *
 * Browse and search of listed jobs answer from the Redis read model (`read-model/job-index.ts`)
 * when it is attached and built: the same items in the same order, the same cursors. The
 * database answers the rest — `status=draft` (the caller's own drafts), `/mine` (`hirerId`
 * equality is pushed down to PostgreSQL), `JOB_READ_MODEL=off`, a model not built yet or
 * emptied, and cursors whose budget no sorted set can hold.
 */
import { afterPosition, pageOf, type Caller } from '@kelmah/service-kit'
import type { QueryFilter } from 'mongoose'
import { padKey, type BrowseCriteria } from '../domain/job-browse.js'
import type { JobStatus } from '../domain/job-status.js'
import { normaliseSkills, tokenize } from '../domain/keywords.js'
import { compareScored, isAfter, searchRelevance, type Scored } from '../domain/ranking.js'
import type { JobDoc } from '../models/job.js'
import { jobIndexOf } from '../read-model/hooks.js'
import type { JobIndex } from '../read-model/job-index.js'
import type { ServiceDeps } from './deps.js'
import { decodeTypedCursor, toDate, toObjectId } from './paging.js'

/** Sort orders of the browse list. */
export type JobSort = 'newest' | 'budget_desc' | 'budget_asc' | 'relevance'

/** `GET /api/jobs` query. */
export interface SearchJobsQuery {
  q?: string
  category?: string
  skills?: string[]
  budgetMin?: number
  budgetMax?: number
  type?: 'fixed' | 'hourly'
  currency?: string
  status?: JobStatus
  sort?: JobSort
  limit?: number
  cursor?: string
}

/** `GET /api/jobs/mine` query. */
export interface MyJobsQuery {
  status?: JobStatus
  limit?: number
  cursor?: string
}

/** A page of jobs. */
export interface JobPage {
  items: JobDoc[]
  nextCursor: string | null
}

/** Job lists. */
export class JobSearch {
  readonly #d: ServiceDeps

  constructor(deps: ServiceDeps) {
    this.#d = deps
  }

  /**
   * Browse and search. Others' drafts never show: `status=draft` lists the caller's own drafts;
   * other statuses list public jobs (invite-only jobs are reachable by id only) whose hirer is
   * not suspended. Default status
   * `open`, sort `newest`.
   *
   * @throws BadRequest (400 naming `cursor`) for a cursor of another list or sort
   */
  async search(caller: Caller, q: SearchJobsQuery): Promise<JobPage> {
    const limit = q.limit ?? 20
    const status = q.status ?? 'open'
    const filter: QueryFilter<JobDoc> = { status }
    if (status === 'draft') filter.hirerId = caller.sub
    else {
      filter.visibility = 'public'
      // A suspended hirer's jobs are out of every list (services/suspensions.ts).
      filter.hirerSuspended = { $ne: true }
    }
    const words = q.q ? tokenize(q.q) : []
    if (words.length > 0) filter.keywords = { $all: words }
    if (q.category) filter.category = q.category
    const skills = normaliseSkills((q.skills ?? []).flatMap((s) => s.split(',')))
    if (skills.length > 0) filter.skills = { $in: skills }
    if (q.type) filter['budget.type'] = q.type
    if (q.currency) filter['budget.currency'] = q.currency
    if (q.budgetMin !== undefined) filter.budgetHighMinor = { $gte: q.budgetMin }
    if (q.budgetMax !== undefined) filter.budgetLowMinor = { $lte: q.budgetMax }
    const sort = q.sort ?? 'newest'

    const index = status === 'draft' ? undefined : jobIndexOf(this.#d.Job.db)
    if (index) {
      const criteria: BrowseCriteria = {
        status,
        skills,
        words,
        ...(q.category ? { category: q.category } : {}),
        ...(q.type ? { type: q.type } : {}),
        ...(q.currency ? { currency: q.currency } : {}),
        ...(q.budgetMin !== undefined ? { budgetMin: q.budgetMin } : {}),
        ...(q.budgetMax !== undefined ? { budgetMax: q.budgetMax } : {}),
      }
      const page = await this.#fromIndex(index, criteria, sort, limit, q.cursor)
      if (page) return page
    }

    if (sort === 'relevance') return this.#ranked(filter, words, skills, limit, q.cursor)
    if (sort === 'newest') return this.#newest(filter, limit, q.cursor)
    const desc = sort === 'budget_desc'
    const key = desc ? 'budgetHighMinor' : 'budgetLowMinor'
    const pos = decodeTypedCursor(q.cursor, ['number', 'id'])
    const dir = desc ? -1 : 1
    const rows = await this.#d.Job.find(
      pos ? { $and: [filter, afterPosition(key, pos, { direction: dir, toId: toObjectId })] } : filter,
    )
      .sort({ [key]: dir, _id: dir })
      .limit(limit + 1)
      .lean<JobDoc[]>()
    return pageOf(rows, limit, (j) => [j[key], String(j._id)])
  }

  /**
   * The page from the read model, or `undefined` when it cannot answer (not built; a cursor
   * position no sorted set holds). Cursors are decoded first, so a bad one is the same 400.
   */
  async #fromIndex(
    index: JobIndex,
    c: BrowseCriteria,
    sort: JobSort,
    limit: number,
    cursor: string | undefined,
  ): Promise<JobPage | undefined> {
    if (sort === 'newest') {
      const pos = decodeTypedCursor(cursor, ['date', 'id'])
      const after = pos ? positionMember(Date.parse(pos[0] as string), pos[1] as string) : undefined
      if (after === null) return undefined
      const rows = await index.newest(c, after, limit + 1)
      return rows && pageOf(rows, limit, (j) => [new Date(j.createdAt).toISOString(), String(j._id)])
    }
    if (sort === 'relevance') {
      const pos = decodeTypedCursor(cursor, ['number', 'number', 'id'])
      const candidates = await index.newest(c, undefined, this.#d.candidateCap)
      return candidates && this.#rankedPage(candidates, c.words, c.skills, limit, pos)
    }
    const desc = sort === 'budget_desc'
    const key = desc ? 'budgetHighMinor' : 'budgetLowMinor'
    const pos = decodeTypedCursor(cursor, ['number', 'id'])
    const after = pos ? positionMember(pos[0] as number, pos[1] as string) : undefined
    if (after === null) return undefined
    const rows = await index.byBudget(c, desc, after, limit + 1)
    return rows && pageOf(rows, limit, (j) => [j[key], String(j._id)])
  }

  /** The caller's own jobs, any status (optionally one), newest first. */
  async mine(caller: Caller, q: MyJobsQuery): Promise<JobPage> {
    const filter: QueryFilter<JobDoc> = { hirerId: caller.sub }
    if (q.status) filter.status = q.status
    return this.#newest(filter, q.limit ?? 20, q.cursor)
  }

  async #newest(filter: QueryFilter<JobDoc>, limit: number, cursor: string | undefined): Promise<JobPage> {
    const pos = decodeTypedCursor(cursor, ['date', 'id'])
    const rows = await this.#d.Job.find(
      pos ? { $and: [filter, afterPosition('createdAt', pos, { toKey: toDate, toId: toObjectId })] } : filter,
    )
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit + 1)
      .lean<JobDoc[]>()
    return pageOf(rows, limit, (j) => [new Date(j.createdAt).toISOString(), String(j._id)])
  }

  /** `sort=relevance`: score the newest `candidateCap` matches in TypeScript, page in memory. */
  async #ranked(
    filter: QueryFilter<JobDoc>,
    words: string[],
    skills: string[],
    limit: number,
    cursor: string | undefined,
  ): Promise<JobPage> {
    const pos = decodeTypedCursor(cursor, ['number', 'number', 'id'])
    const candidates = await this.#d.Job.find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .limit(this.#d.candidateCap)
      .lean<JobDoc[]>()
    return this.#rankedPage(candidates, words, skills, limit, pos)
  }

  /** Score `candidates` (newest first) and page them by `[score, createdAtMs, id]`. */
  #rankedPage(
    candidates: JobDoc[],
    words: readonly string[],
    skills: readonly string[],
    limit: number,
    pos: unknown[] | undefined,
  ): JobPage {
    const scored: Scored<JobDoc>[] = candidates.map((job) => ({
      item: job,
      score: searchRelevance(
        { skills: job.skills, keywords: job.keywords, titleWords: tokenize(job.title) },
        { words: [...words], skills: [...skills] },
      ),
      at: new Date(job.createdAt).getTime(),
      id: String(job._id),
    }))
    scored.sort(compareScored)
    const after = pos ? scored.filter((s) => isAfter(s, pos as [number, number, string])) : scored
    const page = pageOf(after, limit, (s) => [s.score, s.at, s.id])
    return { items: page.items.map((s) => s.item), nextCursor: page.nextCursor }
  }
}

/** The sorted-set member of a cursor position, or null when no set can hold it (the database answers). */
function positionMember(key: number, id: string): string | null {
  return padKey(key) === undefined ? null : `${padKey(key) as string}:${id.toLowerCase()}`
}
