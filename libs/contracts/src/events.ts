/**
 * The event catalogue: one entry per event type, holding its routing key, version and the JSON
 * Schema of its payload. TypeScript types are derived from these schemas (`EventOf<'UserRegistered'>`),
 * so there is no hand-kept twin to drift (docs/architecture.md, Events).
 *
 * Routing keys are `<producer>.<aggregate>.<fact>` (docs/architecture.md, Events:
 * `job.contract.signed`). Consumers bind to routing keys, so a key is as stable as the type name.
 *
 * Tolerant reader: consumers read only the fields they need; producers may add optional fields
 * within a version. A breaking change is a new `version` entry, never an edit of a published one.
 */
import Type, { type Static, type TSchema } from 'typebox'
import { Id } from './ids.js'
import { Money } from './money.js'
import { envelopeSchema } from './envelope.js'

const Email = Type.String({ format: 'email', maxLength: 254 })
const Role = Type.Union([Type.Literal('hirer'), Type.Literal('worker'), Type.Literal('admin')])

const Availability = Type.Union([
  Type.Literal('available'),
  Type.Literal('limited'),
  Type.Literal('unavailable'),
])
const JobStatus = Type.Union([
  Type.Literal('draft'),
  Type.Literal('open'),
  Type.Literal('in_progress'),
  Type.Literal('completed'),
  Type.Literal('cancelled'),
  Type.Literal('closed'),
])
/** A job budget: fixed price, or an hourly range; minor units. */
const Budget = Type.Union([
  Type.Object({
    type: Type.Literal('fixed'),
    amountMinor: Type.Integer({ minimum: 0 }),
    currency: Type.String(),
  }),
  Type.Object({
    type: Type.Literal('hourly'),
    minMinor: Type.Integer({ minimum: 0 }),
    maxMinor: Type.Integer({ minimum: 0 }),
    currency: Type.String(),
  }),
])
/** The parties and milestones of a contract, as `ContractCreated` and `ContractSigned` carry them. */
const ContractFacts = Type.Object({
  contractId: Id,
  jobId: Id,
  applicationId: Id,
  hirerId: Id,
  workerId: Id,
  title: Type.String(),
  total: Money,
  milestones: Type.Array(
    Type.Object({
      milestoneId: Id,
      title: Type.String(),
      amount: Money,
      dueDate: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    }),
  ),
})
/** Which milestone of which contract, between whom. */
const MilestoneRef = { contractId: Id, milestoneId: Id, jobId: Id, hirerId: Id, workerId: Id }

/** One catalogue entry. */
export interface EventDefinition<D extends TSchema = TSchema> {
  /** AMQP routing key on the `kelmah.events` exchange. */
  routingKey: string
  /** Current schema version of the event. */
  version: number
  /** JSON Schema of `data`. */
  data: D
}

function define<D extends TSchema>(routingKey: string, data: D, version = 1): EventDefinition<D> {
  return { routingKey, version, data }
}

/** Every event type the platform knows, by name. */
export const catalogue = {
  // auth
  UserRegistered: define(
    'auth.user.registered',
    Type.Object({ userId: Id, email: Email, name: Type.String({ minLength: 1 }), role: Role }),
  ),
  EmailVerified: define('auth.email.verified', Type.Object({ userId: Id, email: Email })),
  PasswordChanged: define(
    'auth.password.changed',
    Type.Object({ userId: Id, reason: Type.Union([Type.Literal('change'), Type.Literal('reset')]) }),
  ),
  UserDeactivated: define('auth.user.deactivated', Type.Object({ userId: Id })),
  /**
   * An admin suspended the account: it can no longer sign in or refresh, its access tokens are
   * void (the revocation mark, libs/service-kit/src/revocation.ts) and its sockets are closed.
   * Consumers take the user's public traces out of view (jobs, profile in search). The admin's
   * reason stays in auth's audit log, not here.
   */
  UserSuspended: define('auth.user.suspended', Type.Object({ userId: Id })),
  /** An admin lifted a suspension: the account may sign in again (old tokens stay void). */
  UserReinstated: define('auth.user.reinstated', Type.Object({ userId: Id })),
  // user
  /**
   * A profile changed (or was created from `UserRegistered`). Carries the searchable snapshot, so
   * read models (the job service's worker index) are rebuilt from the latest event alone;
   * `profileVersion` grows by one per change, so a consumer ignores an older snapshot that arrives
   * late.
   */
  ProfileUpdated: define(
    'user.profile.updated',
    Type.Object({
      userId: Id,
      role: Role,
      profileVersion: Type.Integer({ minimum: 1 }),
      displayName: Type.String(),
      headline: Type.Optional(Type.String()),
      skills: Type.Array(Type.String()),
      hourlyRate: Type.Optional(Type.Union([Money, Type.Null()])),
      availability: Type.Optional(Availability),
      country: Type.Optional(Type.String()),
      /** Field names changed by this update (empty for the profile's creation). */
      changed: Type.Array(Type.String()),
    }),
  ),
  // job
  JobPosted: define(
    'job.job.posted',
    Type.Object({
      jobId: Id,
      hirerId: Id,
      title: Type.String(),
      category: Type.String(),
      skills: Type.Array(Type.String()),
      budget: Budget,
    }),
  ),
  JobUpdated: define(
    'job.job.updated',
    Type.Object({ jobId: Id, hirerId: Id, status: JobStatus, changed: Type.Array(Type.String()) }),
  ),
  /** The job stopped taking applications: closed by the hirer or cancelled. */
  JobClosed: define(
    'job.job.closed',
    Type.Object({
      jobId: Id,
      hirerId: Id,
      status: Type.Union([Type.Literal('closed'), Type.Literal('cancelled')]),
      reason: Type.Optional(Type.String()),
    }),
  ),
  ApplicationSubmitted: define(
    'job.application.submitted',
    Type.Object({
      applicationId: Id,
      jobId: Id,
      jobTitle: Type.String(),
      hirerId: Id,
      workerId: Id,
      bid: Money,
    }),
  ),
  ApplicationWithdrawn: define(
    'job.application.withdrawn',
    Type.Object({ applicationId: Id, jobId: Id, hirerId: Id, workerId: Id }),
  ),
  ApplicationAccepted: define(
    'job.application.accepted',
    Type.Object({
      applicationId: Id,
      jobId: Id,
      jobTitle: Type.String(),
      hirerId: Id,
      workerId: Id,
      contractId: Id,
    }),
  ),
  /** Rejected by the hirer, or because the job was filled, closed or cancelled. */
  ApplicationRejected: define(
    'job.application.rejected',
    Type.Object({
      applicationId: Id,
      jobId: Id,
      hirerId: Id,
      workerId: Id,
      reason: Type.Union([
        Type.Literal('hirer'),
        Type.Literal('position_filled'),
        Type.Literal('job_closed'),
      ]),
    }),
  ),
  ContractCreated: define('job.contract.created', ContractFacts),
  /** Both parties signed: the contract is active and its milestones may be funded. */
  ContractSigned: define('job.contract.signed', ContractFacts),
  MilestoneSubmitted: define(
    'job.milestone.submitted',
    Type.Object({ ...MilestoneRef, title: Type.String(), note: Type.Optional(Type.String()) }),
  ),
  /** The hirer approved the work: the payment service releases the escrowed amount. */
  MilestoneApproved: define(
    'job.milestone.approved',
    Type.Object({ ...MilestoneRef, title: Type.String(), amount: Money }),
  ),
  ContractCompleted: define(
    'job.contract.completed',
    Type.Object({ contractId: Id, jobId: Id, hirerId: Id, workerId: Id, total: Money }),
  ),
  /**
   * The contract ended before completion. `refundableMilestoneIds` are the funded, unreleased
   * milestones whose escrow goes back to the hirer.
   */
  ContractCancelled: define(
    'job.contract.cancelled',
    Type.Object({
      contractId: Id,
      jobId: Id,
      hirerId: Id,
      workerId: Id,
      cancelledBy: Id,
      reason: Type.Optional(Type.String()),
      refundableMilestoneIds: Type.Array(Id),
    }),
  ),
  // payment
  /**
   * A milestone's amount is held in escrow: the Stripe payment succeeded and the ledger moved it
   * from Stripe clearing into the escrow's account.
   */
  EscrowFunded: define(
    'payment.escrow.funded',
    Type.Object({
      contractId: Id,
      milestoneId: Id,
      hirerId: Id,
      amount: Money,
      escrowId: Type.Optional(Id),
      paymentIntentId: Type.Optional(Type.String()),
    }),
  ),
  /**
   * A milestone's escrow was released to the worker, less the platform fee: `amount` is what the
   * worker's wallet received, `platformFee` what the platform kept (together, the escrow).
   */
  PaymentReleased: define(
    'payment.payment.released',
    Type.Object({
      contractId: Id,
      milestoneId: Id,
      workerId: Id,
      amount: Money,
      platformFee: Money,
      escrowId: Type.Optional(Id),
      hirerId: Type.Optional(Id),
      disputeId: Type.Optional(Id),
    }),
  ),
  /**
   * Escrowed money went back to the hirer's card by a Stripe Refund: the whole escrow after a
   * cancellation or a dispute decided for the hirer, or the hirer's part of a split
   * (`partial: true`; the milestone was also paid out to the worker in part).
   */
  RefundIssued: define(
    'payment.refund.issued',
    Type.Object({
      contractId: Id,
      milestoneId: Id,
      hirerId: Id,
      escrowId: Id,
      amount: Money,
      reason: Type.Union([Type.Literal('contract_cancelled'), Type.Literal('dispute_resolved')]),
      partial: Type.Boolean(),
      refundId: Type.Optional(Type.String()),
      disputeId: Type.Optional(Id),
    }),
  ),
  /** A party disputed a milestone; it stays frozen until an admin resolves it. */
  DisputeRaised: define(
    'payment.dispute.raised',
    Type.Object({ disputeId: Id, contractId: Id, milestoneId: Id, raisedBy: Id, reason: Type.String() }),
  ),
  /**
   * An admin decided a dispute: `release` pays the escrow to the worker (less the fee), `refund`
   * returns it to the hirer, `split` pays `workerAmount` (before the fee) to the worker and
   * refunds `refundAmount`. The money follows as `PaymentReleased` and/or `RefundIssued`.
   */
  DisputeResolved: define(
    'payment.dispute.resolved',
    Type.Object({
      disputeId: Id,
      contractId: Id,
      milestoneId: Id,
      hirerId: Id,
      workerId: Id,
      outcome: Type.Union([Type.Literal('release'), Type.Literal('refund'), Type.Literal('split')]),
      workerAmount: Money,
      refundAmount: Money,
      resolvedBy: Id,
    }),
  ),
  /** Money left a worker's wallet for their Stripe Connect account by a Stripe Transfer. */
  PayoutCompleted: define(
    'payment.payout.completed',
    Type.Object({
      payoutId: Id,
      userId: Id,
      amount: Money,
      stripeTransferId: Type.String(),
      stripeAccountId: Type.String(),
    }),
  ),
  // messaging
  /** A conversation between two users began (optionally about a job); `createdBy` null when an event opened it. */
  ConversationCreated: define(
    'messaging.conversation.created',
    Type.Object({
      conversationId: Id,
      participantIds: Type.Array(Id, { minItems: 2, maxItems: 2 }),
      jobId: Type.Optional(Type.Union([Id, Type.Null()])),
      createdBy: Type.Optional(Type.Union([Id, Type.Null()])),
    }),
  ),
  /** A message was stored; `preview` is at most its first 140 characters. */
  MessageSent: define(
    'messaging.message.sent',
    Type.Object({
      messageId: Id,
      conversationId: Id,
      senderId: Id,
      recipientId: Id,
      type: Type.String(),
      preview: Type.String({ maxLength: 140 }),
    }),
  ),
  // review
  /**
   * A party of a contract reviewed the other. Carries no rating or text: reviews are double-blind
   * until `ReviewsRevealed`, and events are readable by every consumer. `authorRole` is the author's
   * side of the contract.
   */
  ReviewSubmitted: define(
    'review.review.submitted',
    Type.Object({
      reviewId: Id,
      contractId: Id,
      authorId: Id,
      subjectId: Id,
      authorRole: Type.Union([Type.Literal('hirer'), Type.Literal('worker')]),
    }),
  ),
  /**
   * The reviews of one contract became public at once: both parties reviewed (`both_submitted`) or
   * the review window closed (`window_closed`, with the one review written; a window that closes
   * with none publishes nothing). Published once per contract (the review service's `reveals`
   * insert is the commit point). `subjectId`s are whom to tell.
   */
  ReviewsRevealed: define(
    'review.reviews.revealed',
    Type.Object({
      contractId: Id,
      reason: Type.Union([Type.Literal('both_submitted'), Type.Literal('window_closed')]),
      reviews: Type.Array(Type.Object({ reviewId: Id, authorId: Id, subjectId: Id }), {
        maxItems: 2,
      }),
    }),
  ),
  /**
   * A user's rating aggregate changed. `average` is the plain mean of the revealed, visible
   * reviews about the user, 1–5 with two decimals (0 when `count` is 0) — what profiles show;
   * `bayesianScore` is the same mean shrunk towards the platform prior, for ranking only (the
   * formula is in the review service's `src/domain/ratings.ts`). `sequence` grows by one per user
   * and change, so a late, older update is ignored.
   */
  RatingUpdated: define(
    'review.rating.updated',
    Type.Object({
      userId: Id,
      average: Type.Number({ minimum: 0, maximum: 5 }),
      count: Type.Integer({ minimum: 0 }),
      sequence: Type.Integer({ minimum: 1 }),
      bayesianScore: Type.Optional(Type.Number({ minimum: 0, maximum: 5 })),
    }),
  ),
  /**
   * A free-form event for exercising the bus itself (tests, smoke checks). Never consumed by a
   * service.
   */
  BusProbed: define(
    'test.bus.probed',
    Type.Object({
      n: Type.Integer(),
      note: Type.Optional(Type.String()),
      fail: Type.Optional(Type.String()),
    }),
  ),
} as const

/** The name of an event type in the catalogue. */
export type EventType = keyof typeof catalogue
/** The payload type of event `T`. */
export type EventData<T extends EventType> = Static<(typeof catalogue)[T]['data']>

/** The full envelope type of event `T`. */
export interface EventOf<T extends EventType> {
  id: string
  type: T
  version: number
  occurredAt: string
  producer: import('./envelope.js').Producer
  correlationId?: string
  causationId?: string
  /** W3C trace context of the hop that made it (src/trace.ts). */
  traceparent?: string
  data: EventData<T>
}

/** Any event of the catalogue (a discriminated union on `type`). */
export type DomainEvent = { [T in EventType]: EventOf<T> }[EventType]

/** The envelope JSON Schema of every event type, by name (for validators and docs). */
export const envelopeSchemas = Object.fromEntries(
  Object.entries(catalogue).map(([type, def]) => [type, envelopeSchema(type, def.version, def.data)]),
) as unknown as Record<EventType, TSchema>

/** True when `type` names an event in the catalogue. */
export function isEventType(type: string): type is EventType {
  return Object.hasOwn(catalogue, type)
}
