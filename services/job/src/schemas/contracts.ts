/**
 * Route schemas of the contracts part: accepting an application, signing, reading and listing
 * contracts, milestone work and cancellation. Response schemas are the only shapes that leave the
 * service (no outbox, no hire slot).
 */
import { Money, Page, PageQuery } from '@kelmah/contracts'
import Type, { type Static } from 'typebox'
import { CONTRACT_STATUSES } from '../domain/contract.js'
import { MILESTONE_STATUSES } from '../domain/milestone.js'
import { bearer, IdParams, ObjectIdString, PositiveAmount } from './common.js'

const DateTime = Type.String({ format: 'date-time' })
const NullableDateTime = Type.Union([DateTime, Type.Null()])
const IsoDate = Type.String({ format: 'date', description: 'ISO date YYYY-MM-DD (UTC), not in the past' })

/** A contract status. */
export const ContractStatusSchema = Type.Enum([...CONTRACT_STATUSES])
/** A milestone status. */
export const MilestoneStatusSchema = Type.Enum([...MILESTONE_STATUSES])

/** A milestone as the hirer sets it when accepting. */
export const MilestoneInput = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    amountMinor: PositiveAmount("minor units of the bid's currency"),
    dueDate: Type.Optional(Type.Union([IsoDate, Type.Null()])),
  },
  { additionalProperties: false },
)

/** `POST /api/applications/:id/accept` body (optional). */
export const AcceptBody = Type.Object(
  {
    milestones: Type.Optional(
      Type.Array(MilestoneInput, {
        minItems: 1,
        maxItems: 20,
        description: 'must add up to the bid; default: one milestone for the whole bid',
      }),
    ),
    terms: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 10_000,
        description: "the agreed scope; default: the job description and the worker's cover letter",
      }),
    ),
  },
  { additionalProperties: false },
)
export type AcceptBody = Static<typeof AcceptBody>

/** `POST …/milestones/:milestoneId/submit` body: a note and/or links to the delivered work. */
export const SubmitBody = Type.Object(
  {
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 5000 })),
    deliverables: Type.Optional(
      Type.Array(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 }), { maxItems: 20 }),
    ),
  },
  { additionalProperties: false },
)
export type SubmitBody = Static<typeof SubmitBody>

/** `POST …/milestones/:milestoneId/request-revision` body. */
export const RevisionBody = Type.Object(
  { note: Type.String({ minLength: 1, maxLength: 5000, description: 'what to change' }) },
  { additionalProperties: false },
)
export type RevisionBody = Static<typeof RevisionBody>

/** `POST /api/contracts/:id/cancel` body (optional). */
export const CancelBody = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })) },
  { additionalProperties: false },
)
export type CancelBody = Static<typeof CancelBody>

/** `GET /api/contracts` query. */
export const ListContractsQuery = Type.Object(
  {
    ...PageQuery.properties,
    role: Type.Optional(
      Type.Enum(['hirer', 'worker'], { description: 'only contracts where I am this party' }),
    ),
    status: Type.Optional(ContractStatusSchema),
  },
  { additionalProperties: false },
)
export type ListContractsQuery = Static<typeof ListContractsQuery>

/** `:id/milestones/:milestoneId` path parameters. */
export const MilestoneParams = Type.Object({ id: ObjectIdString, milestoneId: ObjectIdString })

/** A milestone as returned. */
export const MilestoneView = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    amount: Money,
    dueDate: Type.Union([Type.String(), Type.Null()]),
    status: MilestoneStatusSchema,
    submission: Type.Union([
      Type.Object({
        note: Type.Union([Type.String(), Type.Null()]),
        deliverables: Type.Array(Type.String()),
        at: DateTime,
      }),
      Type.Null(),
    ]),
    revisions: Type.Array(Type.Object({ note: Type.String(), at: DateTime })),
    dispute: Type.Union([
      Type.Object({ disputeId: Type.String(), raisedBy: Type.String(), reason: Type.String(), at: DateTime }),
      Type.Null(),
    ]),
    platformFee: Type.Union([Money, Type.Null()]),
    fundedAt: NullableDateTime,
    submittedAt: NullableDateTime,
    approvedAt: NullableDateTime,
    releasedAt: NullableDateTime,
    disputedAt: NullableDateTime,
    refundedAt: NullableDateTime,
    refund: Type.Union([
      Type.Object({
        amount: Money,
        partial: Type.Boolean({ description: "true: the hirer's part of a split dispute" }),
        reason: Type.Enum(['contract_cancelled', 'dispute_resolved']),
        refundId: Type.Union([Type.String(), Type.Null()]),
        at: DateTime,
      }),
      Type.Null(),
    ]),
    resolution: Type.Union([
      Type.Object({
        disputeId: Type.String(),
        outcome: Type.Enum(['release', 'refund', 'split']),
        at: DateTime,
      }),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
)

/** A contract as returned (to its parties). */
export const ContractView = Type.Object(
  {
    id: Type.String(),
    jobId: Type.String(),
    applicationId: Type.String(),
    hirerId: Type.String(),
    workerId: Type.String(),
    title: Type.String(),
    terms: Type.String(),
    total: Money,
    status: ContractStatusSchema,
    milestones: Type.Array(MilestoneView),
    hirerSignedAt: NullableDateTime,
    workerSignedAt: NullableDateTime,
    activatedAt: NullableDateTime,
    completedAt: NullableDateTime,
    cancelledAt: NullableDateTime,
    cancellation: Type.Union([
      Type.Object({
        by: Type.String(),
        reason: Type.Union([Type.String(), Type.Null()]),
        mutual: Type.Boolean(),
        refundableMilestoneIds: Type.Array(Type.String()),
      }),
      Type.Null(),
    ]),
    cancellationRequest: Type.Union([
      Type.Object({ by: Type.String(), reason: Type.Union([Type.String(), Type.Null()]), at: DateTime }),
      Type.Null(),
    ]),
    version: Type.Integer(),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { additionalProperties: false },
)
export type ContractView = Static<typeof ContractView>

/** `{contract}`: the answer of every single-contract route. */
export const ContractEnvelope = Type.Object({ contract: ContractView })

const tags = ['contracts']

/** Route schema of `POST /api/applications/:id/accept`. */
export const AcceptSchema = {
  summary: 'Accept an application: create its contract (awaiting both signatures) with milestones',
  description:
    'Hirer of the job only. Milestones default to one for the whole bid and must add up to the bid. ' +
    'When this fills the last opening, the other pending/shortlisted applications are rejected (position_filled) ' +
    'just after the response; until then they may read pending, and accepting one answers JOB_ERR_POSITION_FILLED.',
  tags,
  security: bearer,
  params: IdParams,
  body: AcceptBody,
  response: { 201: ContractEnvelope },
}

/** Route schema of `GET /api/contracts`. */
export const ListContractsSchema = {
  summary: "The caller's contracts, newest first",
  tags,
  security: bearer,
  querystring: ListContractsQuery,
  response: { 200: Page(ContractView) },
}

/** Route schema of `GET /api/contracts/:id`. */
export const GetContractSchema = {
  summary: 'One contract (its parties only)',
  tags,
  security: bearer,
  params: IdParams,
  response: { 200: ContractEnvelope },
}

/** Route schema of `POST /api/contracts/:id/sign`. */
export const SignSchema = {
  summary: 'Sign the contract (hirer or worker); the second signature activates it',
  tags,
  security: bearer,
  params: IdParams,
  response: { 200: ContractEnvelope },
}

/** Route schema of `POST /api/contracts/:id/cancel`. */
export const CancelSchema = {
  summary: 'Cancel the contract, or (hirer, money in escrow) ask the worker to agree to cancel',
  description:
    '200 when the contract was cancelled; 202 when the hirer asked and the worker must agree by cancelling too.',
  tags,
  security: bearer,
  params: IdParams,
  body: CancelBody,
  response: { 200: ContractEnvelope, 202: ContractEnvelope },
}

/** Route schema of `POST …/milestones/:milestoneId/submit`. */
export const SubmitSchema = {
  summary: 'Submit the work of a funded milestone, or resubmit after a revision request (worker)',
  tags,
  security: bearer,
  params: MilestoneParams,
  body: SubmitBody,
  response: { 200: ContractEnvelope },
}

/** Route schema of `POST …/milestones/:milestoneId/approve`. */
export const ApproveSchema = {
  summary: 'Approve a submitted milestone (hirer); the payment service then releases its escrow',
  tags,
  security: bearer,
  params: MilestoneParams,
  response: { 200: ContractEnvelope },
}

/** Route schema of `POST …/milestones/:milestoneId/request-revision`. */
export const RequestRevisionSchema = {
  summary: 'Ask for changes to a submitted milestone (hirer)',
  tags,
  security: bearer,
  params: MilestoneParams,
  body: RevisionBody,
  response: { 200: ContractEnvelope },
}
