/**
 * The Application aggregate (a proposal): a worker's bid on a job, its status (see
 * `domain/application-status.ts`) and its outbox. One per worker and job (unique index).
 */
import { outboxPlugin, type OutboxFields } from '@kelmah/bus'
import type { Money } from '@kelmah/contracts'
import { Schema, type Connection, type Model, type Types } from 'mongoose'
import { APPLICATION_STATUSES, type ApplicationStatus } from '../domain/application-status.js'

/** A milestone the worker proposes (amount in the bid's currency). */
export interface ProposedMilestone {
  title: string
  amountMinor: number
  /** ISO date (YYYY-MM-DD) or null. */
  dueDate: string | null
}

/** Why an application was rejected. */
export type RejectionReason = 'hirer' | 'position_filled' | 'job_closed'

/** An application document as stored (collection `applications`). */
export interface ApplicationDoc extends OutboxFields {
  _id: Types.ObjectId
  jobId: Types.ObjectId
  /** Denormalised from the job: who decides, and what the events and lists show. */
  hirerId: string
  jobTitle: string
  workerId: string
  coverLetter: string
  bid: Money
  estimatedDays: number
  /** Empty when none were proposed. */
  proposedMilestones: ProposedMilestone[]
  status: ApplicationStatus
  /** Set when rejected. */
  rejectionReason: RejectionReason | null
  /** Grows by one per status change: the guard of every update. */
  version: number
  createdAt: Date
  updatedAt: Date
}

const MoneySchema = new Schema(
  { amountMinor: { type: Number, required: true }, currency: { type: String, required: true } },
  { _id: false },
)
const ProposedMilestoneSchema = new Schema<ProposedMilestone>(
  {
    title: { type: String, required: true },
    amountMinor: { type: Number, required: true },
    dueDate: { type: String, default: null },
  },
  { _id: false },
)

/** Mongoose schema of `applications`; `{jobId, workerId}` is unique (apply once per job). */
export const ApplicationSchema = new Schema<ApplicationDoc>(
  {
    jobId: { type: Schema.Types.ObjectId, required: true },
    hirerId: { type: String, required: true },
    jobTitle: { type: String, required: true },
    workerId: { type: String, required: true },
    coverLetter: { type: String, required: true },
    bid: { type: MoneySchema, required: true },
    estimatedDays: { type: Number, required: true },
    proposedMilestones: { type: [ProposedMilestoneSchema], default: [] },
    status: { type: String, required: true, enum: APPLICATION_STATUSES, default: 'pending' },
    rejectionReason: { type: String, default: null },
    version: { type: Number, required: true, default: 0 },
  },
  { collection: 'applications', timestamps: true, minimize: false },
)
ApplicationSchema.index({ jobId: 1, workerId: 1 }, { unique: true })
ApplicationSchema.index({ jobId: 1, createdAt: -1, _id: -1 })
ApplicationSchema.index({ workerId: 1, createdAt: -1, _id: -1 })
ApplicationSchema.plugin(outboxPlugin)

/** The Application model on `conn` (created once per connection). */
export function applicationModel(conn: Connection): Model<ApplicationDoc> {
  return (
    (conn.models.Application as Model<ApplicationDoc> | undefined) ??
    conn.model<ApplicationDoc>('Application', ApplicationSchema)
  )
}
