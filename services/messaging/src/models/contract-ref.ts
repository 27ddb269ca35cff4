/**
 * `contract_refs`: who is party to which contract, from `ContractCreated`/`ContractSigned`.
 * Payment events (`EscrowFunded`, `PaymentReleased`, `DisputeRaised`) name only the contract; this
 * local read model finds the job and the two parties, so their system message lands in the right
 * conversation (no cross-service calls, no `$lookup`).
 */
import { Schema, type Connection, type Model } from 'mongoose'

/** A contract's parties. */
export interface ContractRefDoc {
  /** The contract id. */
  _id: string
  jobId: string
  hirerId: string
  workerId: string
  title: string
}

const ContractRefSchema = new Schema<ContractRefDoc>(
  {
    _id: { type: String, required: true },
    jobId: { type: String, required: true },
    hirerId: { type: String, required: true },
    workerId: { type: String, required: true },
    title: { type: String, default: '' },
  },
  { collection: 'contract_refs', versionKey: false },
)

/** The ContractRef model on `conn`. */
export function contractRefModel(conn: Connection): Model<ContractRefDoc> {
  return (
    (conn.models.ContractRef as Model<ContractRefDoc> | undefined) ??
    conn.model<ContractRefDoc>('ContractRef', ContractRefSchema)
  )
}
