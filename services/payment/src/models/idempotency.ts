/**
 * `idempotency_keys`: one record per (operation, user, `Idempotency-Key`), inserted BEFORE any
 * side effect — the unique `_id` is the commit point that makes a retry, or a concurrent
 * duplicate, find the first request's work instead of doing it again (domain/idempotency.ts).
 */
import { Schema, type Connection, type Model } from 'mongoose'

/** An idempotency record. */
export interface IdempotencyDoc {
  /** `<operation>:<userId>:<key>`. */
  _id: string
  operation: string
  userId: string
  /** SHA-256 of the request (domain/idempotency.ts#fingerprint). */
  fingerprint: string
  /** The resource the request creates (escrow id, payout id), fixed at the insert. */
  resourceId: string
  /** The final response, once there is one (a retry replays it). */
  response: { status: number; body: unknown } | null
  /** While the request runs: a duplicate before this time gets 409 (services/idempotent-requests.ts). */
  lockedUntil: Date | null
  createdAt: Date
  updatedAt: Date
}

/** Mongoose schema of `idempotency_keys`. */
export const IdempotencySchema = new Schema<IdempotencyDoc>(
  {
    _id: { type: String, required: true },
    operation: { type: String, required: true },
    userId: { type: String, required: true },
    fingerprint: { type: String, required: true },
    resourceId: { type: String, required: true },
    response: { type: Schema.Types.Mixed, default: null },
    lockedUntil: { type: Date, default: null },
  },
  { collection: 'idempotency_keys', timestamps: true, minimize: false },
)

/** The `IdempotencyKey` model (once per connection). */
export function idempotencyModel(conn: Connection): Model<IdempotencyDoc> {
  return (
    (conn.models.IdempotencyKey as Model<IdempotencyDoc> | undefined) ??
    conn.model('IdempotencyKey', IdempotencySchema)
  )
}
