/**
 * The events the contracts part produces (docs/architecture.md, Events): `ApplicationAccepted` (the hire),
 * `ContractCreated`, `ContractSigned`, `MilestoneSubmitted`, `MilestoneApproved`,
 * `ContractCompleted`, `ContractCancelled`. Each is written into the changed document's outbox in
 * the same write as the change it reports.
 */
import { createEvent, type EventContext, type EventOf } from '@kelmah/contracts'
import type { ApplicationDoc } from '../models/application.js'
import type { ContractDoc, MilestoneDoc } from '../models/contract.js'

type ContractFacts = Pick<
  ContractDoc,
  '_id' | 'jobId' | 'applicationId' | 'hirerId' | 'workerId' | 'title' | 'total' | 'milestones'
>

const money = (m: { amountMinor: number; currency: string }) => ({
  amountMinor: m.amountMinor,
  currency: m.currency,
})

const facts = (c: ContractFacts) => ({
  contractId: String(c._id),
  jobId: String(c.jobId),
  applicationId: String(c.applicationId),
  hirerId: c.hirerId,
  workerId: c.workerId,
  title: c.title,
  total: money(c.total),
  milestones: c.milestones.map((m) => ({
    milestoneId: m.id,
    title: m.title,
    amount: money(m.amount),
    dueDate: m.dueDate ?? null,
  })),
})

const milestoneRef = (
  c: Pick<ContractDoc, '_id' | 'jobId' | 'hirerId' | 'workerId'>,
  m: Pick<MilestoneDoc, 'id'>,
) => ({
  contractId: String(c._id),
  milestoneId: m.id,
  jobId: String(c.jobId),
  hirerId: c.hirerId,
  workerId: c.workerId,
})

/** `ApplicationAccepted`: the hirer accepted the application; `contractId` is its contract. */
export function applicationAccepted(
  a: Pick<ApplicationDoc, '_id' | 'jobId' | 'jobTitle' | 'hirerId' | 'workerId'>,
  contractId: string,
  ctx: EventContext,
): EventOf<'ApplicationAccepted'> {
  return createEvent(
    'ApplicationAccepted',
    {
      applicationId: String(a._id),
      jobId: String(a.jobId),
      jobTitle: a.jobTitle,
      hirerId: a.hirerId,
      workerId: a.workerId,
      contractId,
    },
    ctx,
  )
}

/** `ContractCreated`: an accepted application became a contract awaiting both signatures. */
export function contractCreated(c: ContractFacts, ctx: EventContext): EventOf<'ContractCreated'> {
  return createEvent('ContractCreated', facts(c), ctx)
}

/** `ContractSigned`: both parties signed; the contract is active and its milestones may be funded. */
export function contractSigned(c: ContractFacts, ctx: EventContext): EventOf<'ContractSigned'> {
  return createEvent('ContractSigned', facts(c), ctx)
}

/** `MilestoneSubmitted`: the worker delivered a milestone (first time or after a revision). */
export function milestoneSubmitted(
  c: ContractDoc,
  m: MilestoneDoc,
  note: string | null,
  ctx: EventContext,
): EventOf<'MilestoneSubmitted'> {
  return createEvent(
    'MilestoneSubmitted',
    { ...milestoneRef(c, m), title: m.title, ...(note ? { note } : {}) },
    ctx,
  )
}

/** `MilestoneApproved`: the hirer accepted the work; the payment service releases `amount`. */
export function milestoneApproved(
  c: ContractDoc,
  m: MilestoneDoc,
  ctx: EventContext,
): EventOf<'MilestoneApproved'> {
  return createEvent(
    'MilestoneApproved',
    { ...milestoneRef(c, m), title: m.title, amount: money(m.amount) },
    ctx,
  )
}

/** `ContractCompleted`: every milestone was released. */
export function contractCompleted(c: ContractDoc, ctx: EventContext): EventOf<'ContractCompleted'> {
  return createEvent(
    'ContractCompleted',
    {
      contractId: String(c._id),
      jobId: String(c.jobId),
      hirerId: c.hirerId,
      workerId: c.workerId,
      total: money(c.total),
    },
    ctx,
  )
}

/** `ContractCancelled`: ended early; `refundableMilestoneIds` are the funded, unreleased milestones. */
export function contractCancelled(
  c: Pick<ContractDoc, '_id' | 'jobId' | 'hirerId' | 'workerId'>,
  cancelledBy: string,
  refundableMilestoneIds: string[],
  reason: string | null,
  ctx: EventContext,
): EventOf<'ContractCancelled'> {
  return createEvent(
    'ContractCancelled',
    {
      contractId: String(c._id),
      jobId: String(c.jobId),
      hirerId: c.hirerId,
      workerId: c.workerId,
      cancelledBy,
      ...(reason ? { reason } : {}),
      refundableMilestoneIds,
    },
    ctx,
  )
}
