/**
 * Every subscription of the messaging service, registered in one place at start-up
 * (docs/conventions.md, Events and handlers): one handler per event type.
 *
 * - `messaging.timeline`: conversations opened by `ApplicationSubmitted` (hirer ↔ worker, about
 *   the job) and system messages from contract, payment and job events, written into the
 *   conversation of the two parties for that job (created when missing). Payment events name only
 *   the contract: the parties come from `contract_refs`, kept from `ContractCreated`/`ContractSigned`.
 * - `messaging.notifications`: in-app notifications — including `review_requested` to both
 *   parties on `ContractCompleted` and `reviews_revealed` to each subject on `ReviewsRevealed`
 *   (the contract's title from `contract_refs` when known; never waited for).
 *
 * Effects are idempotent: system messages have the unique key `<eventId>:<conversationId>`,
 * notifications the id `<eventId>:<recipientId>`, conversations the unique (pair, job) key.
 * Handlers pass their `ctx` on, so what they cause keeps the event's correlation id.
 */
import type { Bus, EventFor, Handler, HandlerContext } from '@kelmah/bus'
import type { Money } from '@kelmah/contracts'
import type { Model } from 'mongoose'
import { notificationsFor, type NotifyingEvent } from '../domain/notifications.js'
import type { ContractRefDoc } from '../models/contract-ref.js'
import type { Chat } from '../services/chat.js'
import type { Notifications } from '../services/notifications.js'

/** What the handlers need. */
export interface HandlerDeps {
  bus: Bus
  chat: Chat
  notifications: Notifications
  ContractRef: Model<ContractRefDoc>
}

/** A money amount for a human (display only; the stored amounts stay integers). */
function show(m: Money): string {
  return `${(m.amountMinor / 100).toFixed(2)} ${m.currency}`
}

/** Register every subscription (the queue names `messaging.timeline`, `messaging.notifications` stay). */
export async function registerHandlers(d: HandlerDeps): Promise<void> {
  const { conversations, messages } = d.chat

  /** The contract's parties, or a retryable error when its ContractCreated/Signed has not arrived yet. */
  async function contract(contractId: string): Promise<ContractRefDoc> {
    const ref = await d.ContractRef.findOne({ _id: contractId }).lean()
    if (!ref)
      throw new Error(`contract ${contractId} is not known yet (waiting for ContractCreated/ContractSigned)`)
    return ref
  }

  /** A system message in the parties' conversation about the job (opened when missing). */
  async function system(
    eventId: string,
    ctx: HandlerContext,
    parties: { hirerId: string; workerId: string; jobId: string },
    kind: string,
    content: string,
  ): Promise<void> {
    const { conversation } = await conversations.findOrCreate(
      parties.hirerId,
      parties.workerId,
      parties.jobId,
      null,
      ctx,
    )
    await messages.writeSystem(
      conversation,
      kind,
      content,
      `${eventId}:${conversation._id.toHexString()}`,
      ctx,
    )
  }

  /** Remember the contract's job and parties (payment events name only the contract). */
  async function keepContract(e: EventFor<'ContractCreated' | 'ContractSigned'>): Promise<void> {
    const c = e.data
    await d.ContractRef.updateOne(
      { _id: c.contractId },
      { $set: { jobId: c.jobId, hirerId: c.hirerId, workerId: c.workerId, title: c.title } },
      { upsert: true },
    )
  }

  /** A system message `job_update` in every conversation about the job. */
  async function jobUpdate(eventId: string, ctx: HandlerContext, jobId: string, text: string): Promise<void> {
    for (const conv of await conversations.ofJob(jobId)) {
      await messages.writeSystem(conv, 'job_update', text, `${eventId}:${conv._id.toHexString()}`, ctx)
    }
  }

  const ApplicationSubmittedHandler: Handler<'ApplicationSubmitted'> = async (event, ctx) => {
    const a = event.data
    if (a.hirerId !== a.workerId) await conversations.findOrCreate(a.hirerId, a.workerId, a.jobId, null, ctx)
  }
  const ContractCreatedHandler: Handler<'ContractCreated'> = (event) => keepContract(event)
  const ContractSignedHandler: Handler<'ContractSigned'> = async (event, ctx) => {
    await keepContract(event)
    const c = event.data
    await system(event.id, ctx, c, 'contract_signed', `Contract "${c.title}" was signed by both parties`)
  }
  const EscrowFundedHandler: Handler<'EscrowFunded'> = async (event, ctx) => {
    const c = await contract(event.data.contractId)
    await system(
      event.id,
      ctx,
      c,
      'milestone_funded',
      `A milestone was funded: ${show(event.data.amount)} held in escrow`,
    )
  }
  const PaymentReleasedHandler: Handler<'PaymentReleased'> = async (event, ctx) => {
    const c = await contract(event.data.contractId)
    await system(event.id, ctx, c, 'payment_released', `Payment released: ${show(event.data.amount)}`)
  }
  const DisputeRaisedHandler: Handler<'DisputeRaised'> = async (event, ctx) => {
    const c = await contract(event.data.contractId)
    await system(event.id, ctx, c, 'dispute_raised', `A dispute was raised: ${event.data.reason}`)
  }
  const JobUpdatedHandler: Handler<'JobUpdated'> = (event, ctx) =>
    jobUpdate(
      event.id,
      ctx,
      event.data.jobId,
      `The job was updated (${event.data.changed.join(', ') || event.data.status})`,
    )
  const JobClosedHandler: Handler<'JobClosed'> = (event, ctx) =>
    jobUpdate(
      event.id,
      ctx,
      event.data.jobId,
      `The job was ${event.data.status}${event.data.reason ? `: ${event.data.reason}` : ''}`,
    )

  await d.bus.subscribe('timeline', {
    ApplicationSubmitted: ApplicationSubmittedHandler,
    ContractCreated: ContractCreatedHandler,
    ContractSigned: ContractSignedHandler,
    EscrowFunded: EscrowFundedHandler,
    PaymentReleased: PaymentReleasedHandler,
    DisputeRaised: DisputeRaisedHandler,
    JobUpdated: JobUpdatedHandler,
    JobClosed: JobClosedHandler,
  })

  /** Store and push the in-app notifications of an event (each kind of event maps in `domain/notifications.ts`). */
  const NotificationHandler = async (event: NotifyingEvent & { id: string }): Promise<void> => {
    await d.notifications.deliver(event.id, notificationsFor(event))
  }
  /** The contract's title for a notification's text, if `contract_refs` has it (optional: not retried). */
  async function titleOf(contractId: string): Promise<string | undefined> {
    const ref = await d.ContractRef.findOne({ _id: contractId }, { title: 1 }).lean()
    return ref?.title || undefined
  }
  const ContractCompletedHandler: Handler<'ContractCompleted'> = async (event) => {
    const title = await titleOf(event.data.contractId)
    await NotificationHandler({ id: event.id, type: event.type, data: { ...event.data, title } })
  }
  const ReviewsRevealedHandler: Handler<'ReviewsRevealed'> = async (event) => {
    const title = await titleOf(event.data.contractId)
    await NotificationHandler({ id: event.id, type: event.type, data: { ...event.data, title } })
  }
  await d.bus.subscribe('notifications', {
    ApplicationSubmitted: NotificationHandler,
    ApplicationAccepted: NotificationHandler,
    ContractSigned: NotificationHandler,
    MilestoneSubmitted: NotificationHandler,
    MilestoneApproved: NotificationHandler,
    ContractCompleted: ContractCompletedHandler,
    ReviewsRevealed: ReviewsRevealedHandler,
  })
}
