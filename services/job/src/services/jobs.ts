/**
 * Job use cases: post (or draft), publish, read, browse/search, the hirer's own list, edit,
 * close, cancel. Status changes go through `domain/job-status.ts` and are guarded single-document
 * updates (`{_id, status, version}`), each carrying its events in the same write (outbox).
 */
import { afterPosition, pageOf } from '@kelmah/service-kit'
import { Types, type QueryFilter } from 'mongoose'
import { assertValidBudget, budgetRange, type Budget } from '../domain/budget.js'
import { isCategory } from '../domain/categories.js'
import { assertJobTransition, isEditable, type JobStatus } from '../domain/job-status.js'
import { jobKeywords, normaliseSkills, tokenize } from '../domain/keywords.js'
import { compareScored, isAfter, searchRelevance, type Scored } from '../domain/ranking.js'
import {
  ConcurrentUpdate,
  IllegalJobTransition,
  InvalidBudget,
  JobNotEditable,
  JobNotFound,
  UnknownCategory,
  withFields,
} from '../errors.js'
import { jobClosed, jobPosted, jobUpdated, type EventContext } from '../events/publishers.js'
import type { DomainEvent } from '@kelmah/contracts'
import { withOutbox, toOutbox } from '@kelmah/bus'
import type { Duration, ExperienceLevel, JobDoc, Visibility } from '../models/job.js'
import { rejectActiveApplications } from './applications.js'
import type { Caller, ServiceDeps } from './deps.js'
import { decodeTypedCursor, toDate, toObjectId } from './paging.js'

/** A budget as the API accepts it (one object; which amounts are required depends on `type`). */
export interface BudgetInput {
  type: 'fixed' | 'hourly'
  amountMinor?: number
  minMinor?: number
  maxMinor?: number
  currency: string
}

/** Fields a hirer sets on a job. */
export interface JobFields {
  title: string
  description: string
  category: string
  skills: string[]
  budget: BudgetInput
  duration?: Duration | null
  experienceLevel?: ExperienceLevel | null
  visibility?: Visibility
  attachments?: string[]
  openings?: number
}

/** `POST /api/jobs` body. */
export interface CreateJobInput extends JobFields {
  /** Keep the job a draft (not visible to others, no `JobPosted`) until published. */
  draft?: boolean
}

/** `PATCH /api/jobs/:id` body: any job field, plus the version the client last read. */
export type UpdateJobInput = Partial<JobFields> & { version?: number }

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

const EDITABLE_FIELDS = [
  'title',
  'description',
  'category',
  'skills',
  'budget',
  'duration',
  'experienceLevel',
  'visibility',
  'attachments',
  'openings',
] as const

/**
 * Check and normalise a budget: the amounts its type needs are present and consistent; only
 * those are kept.
 *
 * @throws InvalidBudget (400 naming `budget.amountMinor`, `budget.minMinor` or `budget.maxMinor`)
 */
export function normaliseBudget(input: BudgetInput): Budget {
  const missing = (field: string) =>
    withFields(new InvalidBudget(`${field} is required for a ${input.type} budget`), [
      { field, message: `is required for a ${input.type} budget`, in: 'body' },
    ])
  let budget: Budget
  if (input.type === 'fixed') {
    if (input.amountMinor === undefined) throw missing('budget.amountMinor')
    budget = { type: 'fixed', amountMinor: input.amountMinor, currency: input.currency }
  } else {
    if (input.minMinor === undefined) throw missing('budget.minMinor')
    if (input.maxMinor === undefined) throw missing('budget.maxMinor')
    budget = { type: 'hourly', minMinor: input.minMinor, maxMinor: input.maxMinor, currency: input.currency }
  }
  assertValidBudget(budget)
  return budget
}

function assertCategory(category: string): void {
  if (!isCategory(category)) {
    throw withFields(new UnknownCategory(JSON.stringify(category)), [
      { field: 'category', message: 'is not a known category', in: 'body' },
    ])
  }
}

const toId = (id: string) => new Types.ObjectId(id)

/** Job use cases. */
export class Jobs {
  readonly #d: ServiceDeps

  constructor(deps: ServiceDeps) {
    this.#d = deps
  }

  /**
   * Post a job (open, publishing `JobPosted`) or save a draft.
   *
   * @throws UnknownCategory, InvalidBudget (400 naming the field)
   */
  async create(caller: Caller, input: CreateJobInput, ctx: EventContext): Promise<JobDoc> {
    assertCategory(input.category)
    const budget = normaliseBudget(input.budget)
    const skills = normaliseSkills(input.skills)
    const range = budgetRange(budget)
    const now = this.#d.now()
    const status: JobStatus = input.draft ? 'draft' : 'open'
    const _id = new Types.ObjectId()
    const doc = {
      _id,
      hirerId: caller.sub,
      title: input.title.trim(),
      description: input.description.trim(),
      category: input.category,
      skills,
      budget,
      budgetLowMinor: range.low,
      budgetHighMinor: range.high,
      duration: input.duration ?? null,
      experienceLevel: input.experienceLevel ?? null,
      visibility: input.visibility ?? 'public',
      attachments: input.attachments ?? [],
      openings: input.openings ?? 1,
      hiredCount: 0,
      status,
      keywords: jobKeywords({ title: input.title, description: input.description, skills }),
      applicationCount: 0,
      version: 0,
      publishedAt: status === 'open' ? now : null,
      closedAt: null,
      createdAt: now,
      updatedAt: now,
    }
    const events = status === 'open' ? [jobPosted(doc, ctx)] : []
    await this.#d.Job.create({ ...doc, outbox: toOutbox(events) })
    if (events.length > 0) this.#d.kick()
    return (await this.#d.Job.findById(_id).lean<JobDoc>()) as JobDoc
  }

  /**
   * A job as `caller` may see it: anyone authenticated sees non-draft jobs (public or
   * invite-only, by id); a draft only its hirer.
   *
   * @throws JobNotFound (404)
   */
  async get(caller: Caller, id: string): Promise<JobDoc> {
    const job = await this.#d.Job.findById(toId(id)).lean<JobDoc>()
    if (!job || (job.status === 'draft' && job.hirerId !== caller.sub)) throw new JobNotFound(id)
    return job
  }

  /**
   * A job of `caller`'s own (as its hirer).
   *
   * @throws JobNotFound (404) when unknown or someone else's
   */
  async own(caller: Caller, id: string): Promise<JobDoc> {
    const job = await this.#d.Job.findById(toId(id)).lean<JobDoc>()
    if (!job || job.hirerId !== caller.sub) throw new JobNotFound(id)
    return job
  }

  /** Publish a draft: draft → open, `JobPosted`. @throws JobNotFound, IllegalJobTransition, ConcurrentUpdate */
  async publish(caller: Caller, id: string, ctx: EventContext): Promise<JobDoc> {
    const job = await this.own(caller, id)
    const now = this.#d.now()
    return this.#transition(job, 'open', { publishedAt: job.publishedAt ?? now }, [jobPosted(job, ctx)])
  }

  /**
   * Close an open job (the hirer stops taking applications): open → closed, `JobClosed`; every
   * pending or shortlisted application is then rejected with reason `job_closed`.
   *
   * @throws JobNotFound, IllegalJobTransition, ConcurrentUpdate
   */
  async close(caller: Caller, id: string, reason: string | undefined, ctx: EventContext): Promise<JobDoc> {
    const job = await this.own(caller, id)
    const closed = await this.#transition(job, 'closed', { closedAt: this.#d.now() }, [
      jobClosed(job, 'closed', ctx, reason),
    ])
    await rejectActiveApplications(this.#d, closed, 'job_closed', ctx)
    return closed
  }

  /**
   * Cancel a draft or open job: → cancelled, `JobClosed` with status `cancelled`; open
   * applications are rejected with reason `job_closed`.
   *
   * @throws JobNotFound, IllegalJobTransition, ConcurrentUpdate
   */
  async cancel(caller: Caller, id: string, reason: string | undefined, ctx: EventContext): Promise<JobDoc> {
    const job = await this.own(caller, id)
    // Only draft/open may be cancelled by the hirer here; a job in progress ends through its contracts.
    if (job.status !== 'draft' && job.status !== 'open')
      throw new IllegalJobTransition(job.status, 'cancelled')
    const cancelled = await this.#transition(job, 'cancelled', { closedAt: this.#d.now() }, [
      jobClosed(job, 'cancelled', ctx, reason),
    ])
    await rejectActiveApplications(this.#d, cancelled, 'job_closed', ctx)
    return cancelled
  }

  /**
   * Edit a draft or open job; publishes `JobUpdated` naming the changed fields (nothing when
   * nothing changed).
   *
   * @throws JobNotFound; JobNotEditable (409) past open; ConcurrentUpdate (409) when `version`
   *   is stale or another edit won; UnknownCategory / InvalidBudget (400)
   */
  async update(caller: Caller, id: string, input: UpdateJobInput, ctx: EventContext): Promise<JobDoc> {
    const job = await this.own(caller, id)
    if (!isEditable(job.status)) throw new JobNotEditable(job.status)
    if (input.version !== undefined && input.version !== job.version) throw new ConcurrentUpdate('job')
    const set: Record<string, unknown> = {}
    const changed: string[] = []
    for (const field of EDITABLE_FIELDS) {
      const value = input[field]
      if (value === undefined) continue
      let next: unknown = value
      if (field === 'category') assertCategory(value as string)
      if (field === 'skills') next = normaliseSkills(value as string[])
      if (field === 'title' || field === 'description') next = (value as string).trim()
      if (field === 'budget') next = normaliseBudget(value as BudgetInput)
      if (JSON.stringify(next) === JSON.stringify(job[field] ?? null)) continue
      set[field] = next
      changed.push(field)
    }
    if (changed.length === 0) return job
    if (set.budget) {
      const range = budgetRange(set.budget as Budget)
      set.budgetLowMinor = range.low
      set.budgetHighMinor = range.high
    }
    if (set.title !== undefined || set.description !== undefined || set.skills !== undefined) {
      set.keywords = jobKeywords({
        title: (set.title as string | undefined) ?? job.title,
        description: (set.description as string | undefined) ?? job.description,
        skills: (set.skills as string[] | undefined) ?? job.skills,
      })
    }
    const res = await this.#d.Job.updateOne(
      { _id: job._id, status: job.status, version: job.version },
      withOutbox({ $set: { ...set, updatedAt: this.#d.now() }, $inc: { version: 1 } }, [
        jobUpdated(job, job.status, changed, ctx),
      ]),
    )
    if (res.modifiedCount !== 1) {
      const current = await this.#d.Job.findById(job._id).lean<JobDoc>()
      if (current && !isEditable(current.status)) throw new JobNotEditable(current.status)
      throw new ConcurrentUpdate('job')
    }
    this.#d.kick()
    return (await this.#d.Job.findById(job._id).lean<JobDoc>()) as JobDoc
  }

  /**
   * Browse and search. Others' drafts never show: `status=draft` lists the caller's own drafts;
   * other statuses list public jobs (invite-only jobs are reachable by id only). Default status
   * `open`, sort `newest`.
   *
   * @throws BadRequest (400 naming `cursor`) for a cursor of another list or sort
   */
  async search(caller: Caller, q: SearchJobsQuery): Promise<JobPage> {
    const limit = q.limit ?? 20
    const status = q.status ?? 'open'
    const filter: QueryFilter<JobDoc> = { status }
    if (status === 'draft') filter.hirerId = caller.sub
    else filter.visibility = 'public'
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

  async #transition(
    job: JobDoc,
    to: JobStatus,
    set: Record<string, unknown>,
    events: DomainEvent[],
  ): Promise<JobDoc> {
    assertJobTransition(job.status, to)
    const res = await this.#d.Job.updateOne(
      { _id: job._id, status: job.status, version: job.version },
      withOutbox({ $set: { status: to, ...set, updatedAt: this.#d.now() }, $inc: { version: 1 } }, events),
    )
    if (res.modifiedCount !== 1) throw await this.#lost(job._id, to)
    this.#d.kick()
    return (await this.#d.Job.findById(job._id).lean<JobDoc>()) as JobDoc
  }

  /** The error for a guarded update that matched nothing: an illegal move now, or a lost race. */
  async #lost(id: Types.ObjectId, to: JobStatus): Promise<Error> {
    const now = await this.#d.Job.findById(id).lean<JobDoc>()
    if (now && now.status !== to) {
      try {
        assertJobTransition(now.status, to)
      } catch (err) {
        return err as Error
      }
    }
    return new ConcurrentUpdate('job')
  }
}
