/**
 * The `contracts` read model: what the payment service knows of the job service's contracts —
 * parties, milestones and their amounts, and where the work stands — kept from `ContractCreated`, `ContractSigned`,
 * `MilestoneSubmitted`, `MilestoneApproved`, `ContractCancelled` and `ContractCompleted`
 * (events/handlers.ts). No synchronous call to the job service: a contract signed a moment ago
 * may not be here yet (funding answers 409 and the client retries).
 */
import type { Money } from '@kelmah/contracts'
import { Schema, type Connection, type Model } from 'mongoose'
import { MoneySchema } from './money.js'

/** Where a milestone's work stands, as far as payment needs it (disputes, releases). */
export type WorkStatus = 'open' | 'submitted' | 'approved'

/** A milestone of a contract, as signed. */
export interface ContractMilestone {
  milestoneId: string
  title: string
  amount: Money
  work: WorkStatus
}

/** A contract as the payment service knows it (collection `contracts`, `_id` = the job service's id). */
export interface ContractViewDoc {
  _id: string
  jobId: string
  hirerId: string
  workerId: string
  title: string
  /** `pending` from ContractCreated (awaiting signatures), `active` from ContractSigned. */
  status: 'pending' | 'active' | 'cancelled' | 'completed'
  milestones: ContractMilestone[]
  signedAt: Date | null
  updatedAt: Date
}

/** Mongoose schema of `contracts`. */
export const ContractViewSchema = new Schema<ContractViewDoc>(
  {
    _id: { type: String, required: true },
    jobId: { type: String, required: true },
    hirerId: { type: String, required: true },
    workerId: { type: String, required: true },
    title: { type: String, required: true },
    status: { type: String, required: true, enum: ['pending', 'active', 'cancelled', 'completed'] },
    milestones: {
      type: [
        new Schema<ContractMilestone>(
          {
            milestoneId: { type: String, required: true },
            title: { type: String, required: true },
            amount: { type: MoneySchema, required: true },
            work: { type: String, required: true, enum: ['open', 'submitted', 'approved'] },
          },
          { _id: false },
        ),
      ],
      required: true,
    },
    signedAt: { type: Date, default: null },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'contracts', minimize: false },
)

/** The `ContractView` model (once per connection). */
export function contractViewModel(conn: Connection): Model<ContractViewDoc> {
  return (
    (conn.models.ContractView as Model<ContractViewDoc> | undefined) ??
    conn.model('ContractView', ContractViewSchema)
  )
}
