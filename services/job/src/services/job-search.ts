/**
 * Job reads for lists: browse/search (`GET /api/jobs`) and the hirer's own list
 * (`GET /api/jobs/mine`). Keyset pages on `createdAt`/`_id` or the budget; `sort=relevance`
 * scores the newest `candidateCap` matches in TypeScript (`domain/ranking.ts`).
 */
import { afterPosition, pageOf, type Caller } from '@kelmah/service-kit'
import type { QueryFilter } from 'mongoose'
import type { JobStatus } from '../domain/job-status.js'
import { normaliseSkills, tokenize } from '../domain/keywords.js'
import { compareScored, isAfter, searchRelevance, type Scored } from '../domain/ranking.js'
import type { JobDoc } from '../models/job.js'
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
    const scored: Scored<JobDoc>[] = candidates.map((job) => ({
      item: job,
      score: searchRelevance(
        { skills: job.skills, keywords: job.keywords, titleWords: tokenize(job.title) },
        { words, skills },
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
