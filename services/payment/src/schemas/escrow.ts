/** Route schemas of funding and reading escrows. */
import Type from 'typebox'
import {
  bearer,
  EscrowId,
  EscrowViewSchema,
  IdempotencyHeaders,
  Money,
  ObjectIdString,
  problems,
} from './common.js'

/** `POST /api/payments/escrow`. */
export const FundSchema = {
  summary: 'Fund a milestone: a Stripe PaymentIntent for its amount (captured on confirmation)',
  description:
    "By the contract's hirer, with an Idempotency-Key: the same key and body again → the same response; the same key with another body → 422. The escrow is funded when Stripe's payment_intent.succeeded webhook arrives.",
  tags: ['escrow'],
  security: bearer,
  headers: IdempotencyHeaders,
  body: Type.Object(
    { contractId: ObjectIdString, milestoneId: ObjectIdString },
    { additionalProperties: false },
  ),
  response: {
    201: Type.Object({
      id: Type.String(),
      contractId: Type.String(),
      milestoneId: Type.String(),
      amount: Money,
      status: Type.String(),
      paymentIntentId: Type.Union([Type.String(), Type.Null()]),
      clientSecret: Type.Union([Type.String(), Type.Null()]),
    }),
    ...problems(400, 401, 403, 404, 409, 422, 502),
  },
} as const

/** `GET /api/payments/escrow?contractId=`. */
export const ListEscrowSchema = {
  summary: "A contract's escrows (every funding attempt), for its two parties and admins",
  tags: ['escrow'],
  security: bearer,
  querystring: Type.Object({ contractId: ObjectIdString }, { additionalProperties: false }),
  response: { 200: Type.Object({ items: Type.Array(EscrowViewSchema) }), ...problems(400, 401, 404) },
} as const

/** `GET /api/payments/escrow/:id`. */
export const GetEscrowSchema = {
  summary: 'One escrow',
  tags: ['escrow'],
  security: bearer,
  params: Type.Object({ id: EscrowId }),
  response: { 200: Type.Object({ escrow: EscrowViewSchema }), ...problems(400, 401, 404) },
} as const
