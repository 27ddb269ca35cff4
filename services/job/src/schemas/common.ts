/**
 * Shared pieces of the job service's route schemas: ids, money, budgets, the public views of a
 * job and an application (the only shapes that leave the service — no outbox, no keywords).
 */
import { Currency, Money, MONEY_CEILING_MINOR, ObjectIdString, PositiveMoney } from '@kelmah/contracts'
import Type from 'typebox'
import { APPLICATION_STATUSES } from '../domain/application-status.js'
import { JOB_STATUSES } from '../domain/job-status.js'
import { DURATIONS, EXPERIENCE_LEVELS, VISIBILITIES } from '../models/job.js'

export { Currency, Money, ObjectIdString, PositiveMoney }

/**
 * An amount someone types, in minor units, without its currency (the currency is a sibling
 * field): the bounds of `@kelmah/contracts` `PositiveMoney` — at least 1, at most the ceiling.
 */
export function PositiveAmount(description: string) {
  return Type.Integer({ minimum: 1, maximum: MONEY_CEILING_MINOR, description })
}

/** `:id` path parameter. */
export const IdParams = Type.Object({ id: ObjectIdString })

/** Bearer-token security requirement for OpenAPI. */
export const bearer = [{ bearerAuth: [] }]

/** A job status. */
export const JobStatusSchema = Type.Enum([...JOB_STATUSES])
/** An application status. */
export const ApplicationStatusSchema = Type.Enum([...APPLICATION_STATUSES])
export const DurationSchema = Type.Enum([...DURATIONS])
export const ExperienceLevelSchema = Type.Enum([...EXPERIENCE_LEVELS])
export const VisibilitySchema = Type.Enum([...VISIBILITIES])

/**
 * A budget as sent: `{type: 'fixed', amountMinor, currency}` or `{type: 'hourly', minMinor,
 * maxMinor, currency}`, integer minor units from 1 to the money ceiling of `@kelmah/contracts`
 * (99,999,999), currency from its allow-list. One object (not a union) so a missing amount is
 * reported under its own name (`budget.amountMinor`, `budget.maxMinor`) by the service.
 */
export const BudgetInput = Type.Object(
  {
    type: Type.Enum(['fixed', 'hourly']),
    amountMinor: Type.Optional(PositiveAmount('fixed price, minor units')),
    minMinor: Type.Optional(PositiveAmount('lowest hourly rate, minor units')),
    maxMinor: Type.Optional(PositiveAmount('highest hourly rate, minor units')),
    currency: Currency,
  },
  { additionalProperties: false },
)

/** A budget as returned. */
export const BudgetView = Type.Object({
  type: Type.Enum(['fixed', 'hourly']),
  amountMinor: Type.Optional(Money.properties.amountMinor),
  minMinor: Type.Optional(Money.properties.amountMinor),
  maxMinor: Type.Optional(Money.properties.amountMinor),
  currency: Currency,
})

const DateTime = Type.String({ format: 'date-time' })
const NullableDateTime = Type.Union([DateTime, Type.Null()])

/** The public view of a job. */
export const JobView = Type.Object(
  {
    id: Type.String(),
    hirerId: Type.String(),
    title: Type.String(),
    description: Type.String(),
    category: Type.String(),
    skills: Type.Array(Type.String()),
    budget: BudgetView,
    duration: Type.Union([DurationSchema, Type.Null()]),
    experienceLevel: Type.Union([ExperienceLevelSchema, Type.Null()]),
    visibility: VisibilitySchema,
    attachments: Type.Array(Type.String()),
    openings: Type.Integer(),
    hiredCount: Type.Integer(),
    status: JobStatusSchema,
    applicationCount: Type.Integer(),
    version: Type.Integer(),
    publishedAt: NullableDateTime,
    closedAt: NullableDateTime,
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { additionalProperties: false },
)

/** A milestone proposed in an application. */
export const ProposedMilestoneView = Type.Object({
  title: Type.String(),
  amountMinor: Type.Integer(),
  dueDate: Type.Union([Type.String(), Type.Null()]),
})

/** The public view of an application (seen by its worker and the job's hirer). */
export const ApplicationView = Type.Object(
  {
    id: Type.String(),
    jobId: Type.String(),
    jobTitle: Type.String(),
    hirerId: Type.String(),
    workerId: Type.String(),
    coverLetter: Type.String(),
    bid: Money,
    estimatedDays: Type.Integer(),
    proposedMilestones: Type.Array(ProposedMilestoneView),
    status: ApplicationStatusSchema,
    rejectionReason: Type.Union([Type.Enum(['hirer', 'position_filled', 'job_closed']), Type.Null()]),
    version: Type.Integer(),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { additionalProperties: false },
)
