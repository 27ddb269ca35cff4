/**
 * The Job aggregate: what a hirer posted, its status (see `domain/job-status.ts`), counters, and
 * the outbox its events ride in (written in the same document write as the change).
 */
import { outboxPlugin, type OutboxFields } from '@kelmah/bus'
import { Schema, type Connection, type Model, type Types } from 'mongoose'
import type { Budget } from '../domain/budget.js'
import { JOB_STATUSES, type JobStatus } from '../domain/job-status.js'

/** How long the work is expected to take. */
export const DURATIONS = [
  'less_than_1_month',
  '1_to_3_months',
  '3_to_6_months',
  'more_than_6_months',
] as const
export type Duration = (typeof DURATIONS)[number]

/** The experience the hirer asks for. */
export const EXPERIENCE_LEVELS = ['entry', 'intermediate', 'expert'] as const
export type ExperienceLevel = (typeof EXPERIENCE_LEVELS)[number]

/** `public`: listed in search and recommendations; `invite_only`: reachable only by its id. */
export const VISIBILITIES = ['public', 'invite_only'] as const
export type Visibility = (typeof VISIBILITIES)[number]

/** A job document as stored (collection `jobs`). */
export interface JobDoc extends OutboxFields {
  _id: Types.ObjectId
  /** The hirer's user id (a string: never assume an ObjectId for users). */
  hirerId: string
  title: string
  description: string
  /** A slug from `domain/categories.ts`. */
  category: string
  /** Normalised lower case, de-duplicated. */
  skills: string[]
  /** Fixed price or hourly range, integer minor units. */
  budget: Budget
  /** Denormalised from `budget` for filters and sorting: fixed amount, or hourly min / max. */
  budgetLowMinor: number
  budgetHighMinor: number
  duration: Duration | null
  experienceLevel: ExperienceLevel | null
  visibility: Visibility
  /** URLs of attached files. */
  attachments: string[]
  /** How many workers the hirer wants to hire (≥ 1). */
  openings: number
  /** How many contracts were signed for it (kept by the contracts part). */
  hiredCount: number
  status: JobStatus
  /** Search words from title, skills and description (`domain/keywords.ts`). */
  keywords: string[]
  /** Applications submitted and not withdrawn. */
  applicationCount: number
  /** Grows by one on every change by a user or a status change: optimistic concurrency. */
  version: number
  /** When it first became open (null while a draft). */
  publishedAt: Date | null
  /** When it was closed or cancelled. */
  closedAt: Date | null
  /**
   * True while its hirer is suspended (auth's `UserSuspended` until `UserReinstated`, copied from
   * the `user_suspensions` read model by `services/suspensions.ts`): out of browse, search,
   * recommendations and invitations. Absent on jobs stored before the field — read as false
   * (queries say `{$ne: true}`). Not a change of the job (no version bump, no event).
   */
  hirerSuspended: boolean
  createdAt: Date
  updatedAt: Date
}

const BudgetSchema = new Schema(
  {
    type: { type: String, required: true, enum: ['fixed', 'hourly'] },
    amountMinor: { type: Number },
    minMinor: { type: Number },
    maxMinor: { type: Number },
    currency: { type: String, required: true },
  },
  { _id: false },
)

/** Mongoose schema of `jobs`. */
export const JobSchema = new Schema<JobDoc>(
  {
    hirerId: { type: String, required: true },
    title: { type: String, required: true },
    description: { type: String, required: true },
    category: { type: String, required: true },
    skills: { type: [String], default: [] },
    budget: { type: BudgetSchema, required: true },
    budgetLowMinor: { type: Number, required: true },
    budgetHighMinor: { type: Number, required: true },
    duration: { type: String, enum: [...DURATIONS, null], default: null },
    experienceLevel: { type: String, enum: [...EXPERIENCE_LEVELS, null], default: null },
    visibility: { type: String, enum: VISIBILITIES, default: 'public' },
    attachments: { type: [String], default: [] },
    openings: { type: Number, required: true, default: 1, min: 1 },
    hiredCount: { type: Number, required: true, default: 0 },
    status: { type: String, required: true, enum: JOB_STATUSES },
    keywords: { type: [String], default: [] },
    applicationCount: { type: Number, required: true, default: 0 },
    version: { type: Number, required: true, default: 0 },
    publishedAt: { type: Date, default: null },
    closedAt: { type: Date, default: null },
    hirerSuspended: { type: Boolean, default: false },
  },
  { collection: 'jobs', timestamps: true, minimize: false },
)
// Browse: newest open jobs; the hirer's own list; search by keyword and skill (multikey).
JobSchema.index({ status: 1, createdAt: -1, _id: -1 })
JobSchema.index({ hirerId: 1, createdAt: -1, _id: -1 })
JobSchema.index({ keywords: 1 })
JobSchema.index({ skills: 1 })
JobSchema.plugin(outboxPlugin)

/** The Job model on `conn` (created once per connection). */
export function jobModel(conn: Connection): Model<JobDoc> {
  return (conn.models.Job as Model<JobDoc> | undefined) ?? conn.model<JobDoc>('Job', JobSchema)
}
