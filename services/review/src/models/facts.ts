/**
 * The read models the review service keeps from other services' events (events/handlers.ts) —
 * every one **insert-only**, keyed by the fact it records, so a redelivered or concurrent event
 * is a duplicate key and nothing else (FerretDB does not isolate concurrent updates of one
 * document across connections: docs/ferretdb.md):
 *
 * - `contracts` — the parties and title of a contract (`ContractCreated` / `ContractSigned`);
 * - `contract_endings` — how and when it ended (`ContractCompleted` / `ContractCancelled`; the
 *   first heard wins, and the job service never sends both);
 * - `contract_payments` — one row per released milestone (`PaymentReleased`);
 * - `review_windows` — the window each ending opens (domain/eligibility.ts), inserted once;
 *   `closedAt` is a hint the sweep sets when it has revealed and rated a closed window;
 * - `display_names` — one row per name a user had (`UserRegistered` = version 0,
 *   `ProfileUpdated.profileVersion` after), the highest version wins on read.
 */
import { Schema, type Connection, type Model } from 'mongoose'
import type { OpenReason } from '../domain/eligibility.js'

/** A contract's facts (`_id` = the job service's contract id). */
export interface ContractFactsDoc {
  _id: string
  jobId: string
  hirerId: string
  workerId: string
  /** The contract's title (the job service titles a contract after its job). */
  title: string
  receivedAt: Date
}

/** How a contract ended (`_id` = contract id). */
export interface EndingDoc {
  _id: string
  jobId: string
  hirerId: string
  workerId: string
  outcome: 'completed' | 'cancelled'
  /** The ending event's `occurredAt`. */
  endedAt: Date
  receivedAt: Date
}

/** A released milestone payment (`_id` = `<contractId>:<milestoneId>`). */
export interface PaymentDoc {
  _id: string
  contractId: string
  milestoneId: string
  /** The `PaymentReleased` event's `occurredAt`. */
  paidAt: Date
}

/** A contract's review window (`_id` = contract id). */
export interface WindowDoc {
  _id: string
  jobId: string
  hirerId: string
  workerId: string
  openedAt: Date
  closesAt: Date
  reason: OpenReason
  /** Set by whoever finished the reveal and the ratings of this window (a hint for the sweep). */
  closedAt: Date | null
}

/** A display name a user had (`_id` = `<userId>:<version>`). */
export interface DisplayNameDoc {
  _id: string
  userId: string
  version: number
  name: string
}

const S = { type: String, required: true } as const
const D = { type: Date, required: true } as const
const N = { type: Number, required: true } as const

const ContractFactsSchema = new Schema<ContractFactsDoc>(
  {
    _id: S,
    jobId: S,
    hirerId: S,
    workerId: S,
    title: { type: String, default: '' },
    receivedAt: D,
  },
  { collection: 'contracts' },
)

const EndingSchema = new Schema<EndingDoc>(
  {
    _id: S,
    jobId: S,
    hirerId: S,
    workerId: S,
    outcome: { type: String, required: true, enum: ['completed', 'cancelled'] },
    endedAt: D,
    receivedAt: D,
  },
  { collection: 'contract_endings' },
)

const PaymentSchema = new Schema<PaymentDoc>(
  { _id: S, contractId: S, milestoneId: S, paidAt: D },
  { collection: 'contract_payments' },
)
PaymentSchema.index({ contractId: 1 })

const WindowSchema = new Schema<WindowDoc>(
  {
    _id: S,
    jobId: S,
    hirerId: S,
    workerId: S,
    openedAt: D,
    closesAt: D,
    reason: { type: String, required: true, enum: ['completed', 'cancelled_after_payment'] },
    closedAt: { type: Date, default: null },
  },
  { collection: 'review_windows', minimize: false },
)
WindowSchema.index({ closedAt: 1, closesAt: 1 })
WindowSchema.index({ hirerId: 1 })
WindowSchema.index({ workerId: 1 })

const DisplayNameSchema = new Schema<DisplayNameDoc>(
  { _id: S, userId: S, version: N, name: S },
  { collection: 'display_names' },
)
DisplayNameSchema.index({ userId: 1, version: -1 })

function model<T>(conn: Connection, name: string, schema: Schema<T>): Model<T> {
  return (conn.models[name] as Model<T> | undefined) ?? conn.model<T>(name, schema)
}

/** The read models (once per connection). */
export function factModels(conn: Connection) {
  return {
    ContractFacts: model(conn, 'ContractFacts', ContractFactsSchema),
    Ending: model(conn, 'Ending', EndingSchema),
    Payment: model(conn, 'Payment', PaymentSchema),
    Window: model(conn, 'Window', WindowSchema),
    DisplayName: model(conn, 'DisplayName', DisplayNameSchema),
  }
}
