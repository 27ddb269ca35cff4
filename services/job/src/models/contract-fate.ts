/**
 * The fate of a contract awaiting signatures (collection `contract_fates`): whether it was
 * **activated** (the second signature) or **voided** (withdrawn or declined by a party, undone
 * because its application went away, or withdrawn because its job closed or was cancelled).
 *
 * One insert-only document per contract, `_id` = the contract's id. The first insert wins and
 * is final: this is the commit point that makes the contract and job state machines agree
 * across processes. FerretDB 1.24 does not isolate concurrent updates of one document across
 * connections (a version-guarded `updateOne` can have several "winners"), but a duplicate `_id`
 * insert is atomic (docs/ferretdb.md, "Concurrent updates of one document are not isolated"),
 * exactly like the contract's unique `hireSlot` (`models/contract.ts`). The contract document
 * itself follows its fate (`domain/job-contracts.ts`, `services/fates.ts`).
 */
import { Schema, type Connection, type Model, type Types } from 'mongoose'

/** What became of a contract that awaited signatures. */
export const CONTRACT_FATES = ['activated', 'voided'] as const

/** A contract's fate. */
export type ContractFate = (typeof CONTRACT_FATES)[number]

/** A fate document as stored. */
export interface ContractFateDoc {
  /** The contract's id. */
  _id: Types.ObjectId
  jobId: Types.ObjectId
  fate: ContractFate
  /** Why (`signed`, `job_closed`, `job_cancelled`, `withdrawn`, `application_withdrawn`, …). */
  reason: string
  at: Date
}

/** Mongoose schema of `contract_fates` (the `_id` index is the commit point; nothing else). */
export const ContractFateSchema = new Schema<ContractFateDoc>(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    jobId: { type: Schema.Types.ObjectId, required: true },
    fate: { type: String, required: true, enum: CONTRACT_FATES },
    reason: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'contract_fates', versionKey: false },
)

/** The ContractFate model on `conn` (created once per connection). */
export function contractFateModel(conn: Connection): Model<ContractFateDoc> {
  return (
    (conn.models.ContractFate as Model<ContractFateDoc> | undefined) ??
    conn.model<ContractFateDoc>('ContractFate', ContractFateSchema)
  )
}
