/**
 * Every subscription of the messaging service, registered in one place at start-up (STYLE §6).
 *
 * - `messaging.timeline`: conversations opened by `ApplicationSubmitted` (hirer ↔ worker, about
 *   the job) and system messages from contract, payment and job events, written into the
 *   conversation of the two parties for that job (created when missing). Payment events name only
 *   the contract: the parties come from `contract_refs`, kept from `ContractCreated`/`ContractSigned`.
 * - `messaging.notifications`: in-app notifications.
 *
 * Effects are idempotent: system messages have the unique key `<eventId>:<conversationId>`,
 * notifications the id `<eventId>:<recipientId>`, conversations the unique (pair, job) key.
 */
import type { Bus, EventFor } from '@kelmah/bus'
import type { Money } from '@kelmah/contracts'
import type { Model } from 'mongoose'
import { notificationsFor } from '../domain/notifications.js'
import type { ContractRefDoc } from '../models/contract-ref.js'
import type { Chat } from '../services/chat.js'
import type { Notifications } from '../services/notifications.js'

/** What the handlers need. */
export interface HandlerDeps {
  bus: Bus
  chat: Chat
  notifications: Notifications
  ContractRef: Model<ContractRefDoc>
  /** Appended to the purposes (tests: unique queues per app); empty in production. */
  queueSuffix?: string
}

/** A money amount for a human (display only; the stored amounts stay integers). */
function show(m: Money): string {
  return `${(m.amountMinor / 100).toFixed(2)} ${m.currency}`
}

/** Register every subscription. */
export async function registerHandlers(d: HandlerDeps): Promise<void> {
  const { chat } = d

  /** The contract's parties, or a retryable error when its ContractCreated/Signed has not arrived yet. */
  async function contract(contractId: string): Promise<ContractRefDoc> {
    const ref = await d.ContractRef.findOne({ _id: contractId }).lean()
    if (!ref)
      throw new Error(`contract ${contractId} is not known yet (waiting for ContractCreated/ContractSigned)`)
    return ref
  }

  async function system(
    eventId: string,
    hirerId: string,
    workerId: string,
    jobId: string,
    kind: string,
    content: string,
  ) {
    const { conversation } = await chat.findOrCreate(hirerId, workerId, jobId, null, { causationId: eventId })
    await chat.writeSystem(conversation, kind, content, `${eventId}:${conversation._id.toHexString()}`)
  }

  async function keepContract(e: EventFor<'ContractCreated' | 'ContractSigned'>) {
    const c = e.data
    await d.ContractRef.updateOne(
      { _id: c.contractId },
      { $set: { jobId: c.jobId, hirerId: c.hirerId, workerId: c.workerId, title: c.title } },
      { upsert: true },
    )
  }

  const suffix = d.queueSuffix ?? ''
  await d.bus.subscribe(
    `timeline${suffix}`,
    [
      'ApplicationSubmitted',
      'ContractCreated',
      'ContractSigned',
      'EscrowFunded',
      'PaymentReleased',
      'DisputeRaised',
      'JobUpdated',
      'JobClosed',
    ],
    async function TimelineHandler(event) {
      switch (event.type) {
        case 'ApplicationSubmitted': {
          const a = event.data
          if (a.hirerId !== a.workerId)
            await chat.findOrCreate(a.hirerId, a.workerId, a.jobId, null, { causationId: event.id })
          return
        }
        case 'ContractCreated':
          return keepContract(event)
        case 'ContractSigned': {
          await keepContract(event)
          const c = event.data
          return system(
            event.id,
            c.hirerId,
            c.workerId,
            c.jobId,
            'contract_signed',
            `Contract "${c.title}" was signed by both parties`,
          )
        }
        case 'EscrowFunded': {
          const c = await contract(event.data.contractId)
          return system(
            event.id,
            c.hirerId,
            c.workerId,
            c.jobId,
            'milestone_funded',
            `A milestone was funded: ${show(event.data.amount)} held in escrow`,
          )
        }
        case 'PaymentReleased': {
          const c = await contract(event.data.contractId)
          return system(
            event.id,
            c.hirerId,
            c.workerId,
            c.jobId,
            'payment_released',
            `Payment released: ${show(event.data.amount)}`,
          )
        }
        case 'DisputeRaised': {
          const c = await contract(event.data.contractId)
          return system(
            event.id,
            c.hirerId,
            c.workerId,
            c.jobId,
            'dispute_raised',
            `A dispute was raised: ${event.data.reason}`,
          )
        }
        case 'JobUpdated':
        case 'JobClosed': {
          const text =
            event.type === 'JobClosed'
              ? `The job was ${event.data.status}${event.data.reason ? `: ${event.data.reason}` : ''}`
              : `The job was updated (${event.data.changed.join(', ') || event.data.status})`
          for (const conv of await chat.conversationsOfJob(event.data.jobId)) {
            await chat.writeSystem(conv, 'job_update', text, `${event.id}:${conv._id.toHexString()}`)
          }
          return
        }
      }
    },
  )

  await d.bus.subscribe(
    `notifications${suffix}`,
    [
      'ApplicationSubmitted',
      'ApplicationAccepted',
      'ContractSigned',
      'MilestoneSubmitted',
      'MilestoneApproved',
    ],
    async function NotificationHandler(event) {
      await d.notifications.deliver(event.id, notificationsFor(event))
    },
  )
}
