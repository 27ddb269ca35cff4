/**
 * The fields a hirer sets on a job, checked and normalised: the new job's document
 * ({@link newJob}) and the decision of an edit ({@link editJob}). Pure; `services/jobs.ts` reads
 * and writes.
 */
import type { EventContext } from '@kelmah/contracts'
import type { Decision } from '@kelmah/service-kit'
import { Types } from 'mongoose'
import { ConcurrentUpdate, InvalidBudget, JobNotEditable, UnknownCategory, withFields } from '../errors.js'
import { jobUpdated } from '../events/publishers.js'
import type { Duration, ExperienceLevel, JobDoc, Visibility } from '../models/job.js'
import { assertValidBudget, budgetRange, type Budget } from './budget.js'
import { isCategory } from './categories.js'
import { isEditable, type JobStatus } from './job-status.js'
import { jobKeywords, normaliseSkills } from './keywords.js'

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

/** @throws UnknownCategory (400 naming `category`) */
export function assertCategory(category: string): void {
  if (!isCategory(category)) {
    throw withFields(new UnknownCategory(JSON.stringify(category)), [
      { field: 'category', message: 'is not a known category', in: 'body' },
    ])
  }
}

/** A new job's document (without the outbox): open, or a draft. @throws UnknownCategory, InvalidBudget (400) */
export function newJob(hirerId: string, input: CreateJobInput, now: Date): Omit<JobDoc, 'outbox'> {
  assertCategory(input.category)
  const budget = normaliseBudget(input.budget)
  const skills = normaliseSkills(input.skills)
  const range = budgetRange(budget)
  const status: JobStatus = input.draft ? 'draft' : 'open'
  return {
    _id: new Types.ObjectId(),
    hirerId,
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
    hirerSuspended: false,
    createdAt: now,
    updatedAt: now,
  }
}

/**
 * The decision of an edit: the changed fields (normalised; budget range and keywords kept in
 * step) and `JobUpdated` naming them, or null when nothing changed.
 *
 * @throws JobNotEditable (409) past open; ConcurrentUpdate (409) when `input.version` is not the
 *   job's; UnknownCategory / InvalidBudget (400)
 */
export function editJob(job: JobDoc, input: UpdateJobInput, ctx: EventContext): Decision | null {
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
  if (changed.length === 0) return null
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
  return { set, events: [jobUpdated(job, job.status, changed, ctx)] }
}
