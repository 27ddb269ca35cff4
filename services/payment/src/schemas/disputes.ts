/**
 * Route schemas of disputes (routes/disputes.ts): raising one, reading one, the admins' queue and
 * the admin's resolution. Response schemas are also what keeps private fields (the outbox, the
 * version, the admin's note) out of answers.
 */
import { MONEY_CEILING_MINOR, Page, PageQuery } from '@kelmah/contracts'
import Type, { type Static, type TSchema } from 'typebox'
import { bearer, Money, ObjectIdString, problems } from './common.js'

const DateTime = Type.String({ format: 'date-time' })
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()])

/** A dispute's outcome (domain/disputes.ts). */
export const DisputeOutcomeSchema = Type.Enum(['release', 'refund', 'split'])
/** A dispute's status. */
export const DisputeStatusSchema = Type.Enum(['open', 'resolved'])

/** A dispute as returned (services/disputes.ts#disputeView). */
export const DisputeViewSchema = Type.Object({
  id: Type.String(),
  contractId: Type.String(),
  milestoneId: Type.String(),
  escrowId: Type.String(),
  hirerId: Type.String(),
  workerId: Type.String(),
  raisedBy: Type.String(),
  reason: Type.String(),
  status: DisputeStatusSchema,
  outcome: Nullable(DisputeOutcomeSchema),
  /** What the worker was given before the platform fee (null while open). */
  workerAmount: Nullable(Money),
  /** What went back to the hirer's card (null while open). */
  refundAmount: Nullable(Money),
  resolvedBy: Nullable(Type.String()),
  resolvedAt: Nullable(DateTime),
  createdAt: DateTime,
})

const DisputeParams = Type.Object({ id: ObjectIdString }, { additionalProperties: false })
const OneDispute = Type.Object({ dispute: DisputeViewSchema })

/** The body of `POST /api/payments/disputes`. */
export const RaiseDisputeBody = Type.Object(
  {
    contractId: ObjectIdString,
    milestoneId: ObjectIdString,
    reason: Type.String({
      minLength: 1,
      maxLength: 2000,
      pattern: '\\S',
      description: 'what went wrong, for the admin who decides (1–2000 characters, not only spaces)',
    }),
  },
  { additionalProperties: false },
)
export type RaiseDisputeBody = Static<typeof RaiseDisputeBody>

/** `POST /api/payments/disputes`. */
export const RaiseDisputeSchema = {
  summary: "Dispute a funded milestone (the contract's hirer or worker)",
  description:
    'While the milestone holds escrow and its work is not approved. One dispute per escrow: a second one is a 409. The job service freezes the milestone (DisputeRaised) until an admin resolves it.',
  tags: ['disputes'],
  security: bearer,
  body: RaiseDisputeBody,
  response: { 201: OneDispute, ...problems(400, 401, 403, 404, 409) },
} as const

/** `GET /api/payments/disputes/:id`. */
export const GetDisputeSchema = {
  summary: 'One dispute, for the two parties of its contract and admins',
  tags: ['disputes'],
  security: bearer,
  params: DisputeParams,
  response: { 200: OneDispute, ...problems(400, 401, 404) },
} as const

/** The querystring of `GET /api/payments/disputes`. */
export const ListDisputesQuery = Type.Object(
  { ...PageQuery.properties, status: Type.Optional(DisputeStatusSchema) },
  { additionalProperties: false },
)
export type ListDisputesQuery = Static<typeof ListDisputesQuery>

/** `GET /api/payments/disputes`. */
export const ListDisputesSchema = {
  summary: "The admins' dispute queue, newest first (cursor pages)",
  tags: ['disputes'],
  security: bearer,
  querystring: ListDisputesQuery,
  response: {
    200: Page(DisputeViewSchema),
    ...problems(400, 401, 403),
  },
} as const

/** The body of `POST /api/payments/disputes/:id/resolve`. */
export const ResolveDisputeBody = Type.Object(
  {
    outcome: DisputeOutcomeSchema,
    workerAmountMinor: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MONEY_CEILING_MINOR,
        description:
          "outcome split only: the worker's part before the fee, in minor units of the escrow's currency (1 ≤ it < the escrow)",
      }),
    ),
    note: Type.Optional(
      Type.String({
        maxLength: 2000,
        description:
          "the admin's reasons: kept, not shown to the parties; the reason of the resolution's audit entry (GET /api/payments/admin/audit)",
      }),
    ),
  },
  { additionalProperties: false },
)
export type ResolveDisputeBody = Static<typeof ResolveDisputeBody>

/** `POST /api/payments/disputes/:id/resolve`. */
export const ResolveDisputeSchema = {
  summary: 'Resolve a dispute: release, refund or split the escrow (admins only)',
  description:
    'The escrow is settled once. Repeating the same resolution is safe (200, nothing happens twice; it also resumes a refund Stripe failed to make, 502); another resolution of a settled escrow is a 409. The resolution is one entry in the audit log (GET /api/payments/admin/audit), its note the reason.',
  tags: ['disputes'],
  security: bearer,
  params: DisputeParams,
  body: ResolveDisputeBody,
  response: { 200: OneDispute, ...problems(400, 401, 403, 404, 409, 422, 502) },
} as const
