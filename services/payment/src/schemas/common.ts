/**
 * Shared pieces of the payment service's route schemas: ids, the Idempotency-Key header, money,
 * the escrow view.
 */
import { Currency, Money, ObjectIdString, PositiveMoney, Problem } from '@kelmah/contracts'
import Type from 'typebox'
import { ESCROW_STATUSES } from '../domain/escrow.js'

export { Currency, Money, ObjectIdString, PositiveMoney, Problem }

/** An escrow id: `esc_<milestoneId>_<attempt>`. */
export const EscrowId = Type.String({ pattern: '^esc_[0-9a-fA-F]{24}_[0-9]{1,4}$', description: 'escrow id' })

/** Bearer-token security requirement for OpenAPI. */
export const bearer = [{ bearerAuth: [] }]

/**
 * The `Idempotency-Key` header of money-moving requests: required (checked by the use case, so its
 * absence is a 400 naming the header), 1–255 visible ASCII characters.
 */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'required; reuse it when you retry' }),
  ),
})

const DateTime = Type.String({ format: 'date-time' })

/** An escrow as returned. */
export const EscrowViewSchema = Type.Object({
  id: Type.String(),
  contractId: Type.String(),
  milestoneId: Type.String(),
  hirerId: Type.String(),
  workerId: Type.String(),
  amount: Money,
  status: Type.Enum([...ESCROW_STATUSES]),
  frozen: Type.Boolean(),
  disputeId: Type.Union([Type.String(), Type.Null()]),
  paymentIntentId: Type.Union([Type.String(), Type.Null()]),
  createdAt: DateTime,
  updatedAt: DateTime,
})

/** Problem responses a route may answer with. */
export function problems(...statuses: number[]): Record<number, typeof Problem> {
  return Object.fromEntries(statuses.map((s) => [s, Problem]))
}
