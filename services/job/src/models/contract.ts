/**
 * The Contract aggregate: the agreement an accepted application becomes — parties, terms, total,
 * milestones (embedded: they change only together with their contract, and the milestone array
 * is rewritten from domain code under the `version` guard, never with positional `$` updates
 * which FerretDB 1.24 handles poorly), signatures, and the outbox its events ride in.
 *
 * Two unique indexes are the commit points of hiring, atomic even across processes on FerretDB
 * (where only unique-key inserts are; see docs/ferretdb.md):
 * - `applicationId` — one contract per application (two accepts of one application: one wins);
 * - `hireSlot` — `"<jobId>:<n>"` for opening `n` (0 ≤ n < openings) while the contract holds it
 *   (pending signatures, active, completed); a cancelled contract's slot is renamed to
 *   `"freed:<contractId>"` so the opening can be filled again.
 */
import { outboxPlugin, type OutboxFields } from '@kelmah/bus'
import type { Money } from '@kelmah/contracts'
import { Schema, type Connection, type Model, type Types } from 'mongoose'
import { CONTRACT_STATUSES, type CancellationRequest, type ContractStatus } from '../domain/contract.js'
import { MILESTONE_STATUSES, type MilestoneStatus } from '../domain/milestone.js'

/** The worker's delivery of a milestone. */
export interface Submission {
  note: string | null
  /** URLs of the delivered work. */
  deliverables: string[]
  at: Date
}

/** A revision the hirer asked for. */
export interface RevisionRequest {
  note: string
  at: Date
}

/** The dispute freezing a milestone, as the payment service reported it. */
export interface MilestoneDispute {
  disputeId: string
  raisedBy: string
  reason: string
  at: Date
}

/**
 * Money that went back to the hirer for a milestone, as the payment service reported it
 * (`RefundIssued`): the whole escrow (`partial: false`, the milestone is `refunded`) or the
 * hirer's part of a split dispute (`partial: true`, the status is left to `PaymentReleased`).
 */
export interface MilestoneRefund {
  amount: Money
  partial: boolean
  reason: 'contract_cancelled' | 'dispute_resolved'
  /** The Stripe Refund id, when the payment service sent one. */
  refundId: string | null
  at: Date
}

/** How an admin decided the milestone's dispute (`DisputeResolved`). */
export interface MilestoneResolution {
  disputeId: string
  outcome: 'release' | 'refund' | 'split'
  at: Date
}

/** A milestone as stored inside its contract. */
export interface MilestoneDoc {
  /** 24-hex ObjectId string, unique within the platform. */
  id: string
  title: string
  amount: Money
  /** ISO date `YYYY-MM-DD` or null. */
  dueDate: string | null
  status: MilestoneStatus
  /** The latest submission (null until the first one). */
  submission: Submission | null
  /** Every revision request, oldest first. */
  revisions: RevisionRequest[]
  dispute: MilestoneDispute | null
  /** The payment service's PaymentIntent id, from `EscrowFunded` (when it sent one). */
  paymentIntentId: string | null
  /** The platform fee withheld on release, from `PaymentReleased`. */
  platformFee: Money | null
  fundedAt: Date | null
  submittedAt: Date | null
  approvedAt: Date | null
  releasedAt: Date | null
  disputedAt: Date | null
  /**
   * When the escrow went back to the hirer (`refunded`). This and the two fields below are absent
   * on milestones stored before refunds were consumed; read them with `?? null`.
   */
  refundedAt?: Date | null
  /** The refund recorded for this milestone (whole or partial), or null. */
  refund?: MilestoneRefund | null
  /** The dispute's resolution, or null. */
  resolution?: MilestoneResolution | null
}

/** How a contract ended early. */
export interface Cancellation {
  /** User id of the party whose cancel took effect. */
  by: string
  reason: string | null
  /** True when the other party had asked first (mutual agreement). */
  mutual: boolean
  refundableMilestoneIds: string[]
}

/** A contract document as stored (collection `contracts`). */
export interface ContractDoc extends OutboxFields {
  _id: Types.ObjectId
  jobId: Types.ObjectId
  applicationId: Types.ObjectId
  hirerId: string
  workerId: string
  /** The job's title when hired. */
  title: string
  /** The agreed scope: the hirer's explicit terms, else the job description and the cover letter. */
  terms: string
  /** The accepted bid: the sum of the milestones. */
  total: Money
  milestones: MilestoneDoc[]
  status: ContractStatus
  /** See the module header. */
  hireSlot: string
  hirerSignedAt: Date | null
  workerSignedAt: Date | null
  activatedAt: Date | null
  completedAt: Date | null
  cancelledAt: Date | null
  cancellation: Cancellation | null
  /** The hirer's pending request to cancel while money is in escrow (see `domain/contract.ts`). */
  cancellationRequest: CancellationRequest | null
  /** Grows by one on every change: the optimistic-concurrency guard of every update. */
  version: number
  /**
   * The version whose follow-ups (application, other applications, job) are known done; the
   * repair handler skips a contract with `settledVersion >= version`. -1 right after the insert.
   */
  settledVersion: number
  createdAt: Date
  updatedAt: Date
}

const MoneySchema = new Schema(
  { amountMinor: { type: Number, required: true }, currency: { type: String, required: true } },
  { _id: false },
)

const MilestoneSchema = new Schema<MilestoneDoc>(
  {
    id: { type: String, required: true },
    title: { type: String, required: true },
    amount: { type: MoneySchema, required: true },
    dueDate: { type: String, default: null },
    status: { type: String, required: true, enum: MILESTONE_STATUSES },
    submission: {
      type: new Schema<Submission>(
        { note: { type: String, default: null }, deliverables: { type: [String], default: [] }, at: Date },
        { _id: false },
      ),
      default: null,
    },
    revisions: {
      type: [new Schema<RevisionRequest>({ note: String, at: Date }, { _id: false })],
      default: [],
    },
    dispute: {
      type: new Schema<MilestoneDispute>(
        { disputeId: String, raisedBy: String, reason: String, at: Date },
        { _id: false },
      ),
      default: null,
    },
    paymentIntentId: { type: String, default: null },
    platformFee: { type: MoneySchema, default: null },
    fundedAt: { type: Date, default: null },
    submittedAt: { type: Date, default: null },
    approvedAt: { type: Date, default: null },
    releasedAt: { type: Date, default: null },
    disputedAt: { type: Date, default: null },
    refundedAt: { type: Date, default: null },
    refund: {
      type: new Schema<MilestoneRefund>(
        {
          amount: { type: MoneySchema, required: true },
          partial: Boolean,
          reason: String,
          refundId: { type: String, default: null },
          at: Date,
        },
        { _id: false },
      ),
      default: null,
    },
    resolution: {
      type: new Schema<MilestoneResolution>({ disputeId: String, outcome: String, at: Date }, { _id: false }),
      default: null,
    },
  },
  { _id: false },
)

/** Mongoose schema of `contracts`. */
export const ContractSchema = new Schema<ContractDoc>(
  {
    jobId: { type: Schema.Types.ObjectId, required: true },
    applicationId: { type: Schema.Types.ObjectId, required: true },
    hirerId: { type: String, required: true },
    workerId: { type: String, required: true },
    title: { type: String, required: true },
    terms: { type: String, required: true },
    total: { type: MoneySchema, required: true },
    milestones: { type: [MilestoneSchema], required: true },
    status: { type: String, required: true, enum: CONTRACT_STATUSES },
    hireSlot: { type: String, required: true },
    hirerSignedAt: { type: Date, default: null },
    workerSignedAt: { type: Date, default: null },
    activatedAt: { type: Date, default: null },
    completedAt: { type: Date, default: null },
    cancelledAt: { type: Date, default: null },
    cancellation: {
      type: new Schema<Cancellation>(
        {
          by: String,
          reason: { type: String, default: null },
          mutual: Boolean,
          refundableMilestoneIds: { type: [String], default: [] },
        },
        { _id: false },
      ),
      default: null,
    },
    cancellationRequest: {
      type: new Schema<CancellationRequest>(
        { by: String, reason: { type: String, default: null }, at: Date },
        { _id: false },
      ),
      default: null,
    },
    version: { type: Number, required: true, default: 0 },
    settledVersion: { type: Number, required: true, default: -1 },
  },
  { collection: 'contracts', timestamps: true, minimize: false },
)
// The commit points of hiring (module header).
ContractSchema.index({ applicationId: 1 }, { unique: true })
ContractSchema.index({ hireSlot: 1 }, { unique: true })
// The caller's contracts, newest first, as hirer or as worker; a job's contracts.
ContractSchema.index({ hirerId: 1, createdAt: -1, _id: -1 })
ContractSchema.index({ workerId: 1, createdAt: -1, _id: -1 })
ContractSchema.index({ jobId: 1 })
// Payment events name a milestone; multikey equality works on FerretDB too.
ContractSchema.index({ 'milestones.id': 1 })
ContractSchema.plugin(outboxPlugin)

/** The Contract model on `conn` (created once per connection). */
export function contractModel(conn: Connection): Model<ContractDoc> {
  return (
    (conn.models.Contract as Model<ContractDoc> | undefined) ??
    conn.model<ContractDoc>('Contract', ContractSchema)
  )
}
