/**
 * The job service listening to its own contract events (queue `job.hiring`), to re-apply the
 * idempotent follow-ups of each contract change: a crash between the contract write and those
 * follow-ups (application accepted, the job's `hiredCount` and status) would otherwise leave them
 * undone. The contract write carries its event in the same document (outbox), so the event — and
 * with it this repair — is never lost.
 *
 * Each event → `Hiring.heal`: one read when the request already ran the follow-ups (the
 * contract's `settledVersion` is current — the normal case); otherwise `completeHire` (application
 * accepted, or the contract undone if the application was withdrawn meanwhile) and the job sync.
 * `ContractCreated` then does the one follow-up the accept leaves to it: when the hire filled the
 * job's last opening, the job's other applications are rejected (`Hiring.rejectOthers`,
 * `position_filled`) — off the request path, as often as the event is delivered (idempotent).
 * `ContractSigned` does it again: a job awaiting signatures is still `open`, so a worker may
 * apply after the hire; the signature that starts the job rejects those late ones too.
 * Registered in `handlers.ts`.
 */
import {
  NonRetryableError,
  type EventFor,
  type Handler,
  type HandlerContext,
  type HandlerMap,
} from '@kelmah/bus'
import { ContractNotFound } from '../errors.js'
import type { Hiring } from '../services/hiring.js'

/** The contract events whose follow-ups this service re-applies. */
type ContractChanged = 'ContractCreated' | 'ContractSigned' | 'ContractCompleted' | 'ContractCancelled'

/**
 * Heal the follow-ups of the contract `event` names; the events the repair causes keep the
 * correlation id (`ctx`). An unknown contract is dead-lettered (an event of another deployment?).
 */
async function healFrom(
  hiring: Hiring,
  event: EventFor<ContractChanged>,
  ctx: HandlerContext,
): Promise<void> {
  try {
    const outcome = await hiring.heal(event.data.contractId, ctx)
    if (outcome === 'healed')
      ctx.logger.warn({ contractId: event.data.contractId }, 'contract follow-ups healed')
  } catch (err) {
    if (err instanceof ContractNotFound) {
      throw new NonRetryableError(`${event.type} for unknown contract ${event.data.contractId}`)
    }
    throw err
  }
}

/** The job of the contract `event` names filled: its other active applications rejected. */
async function rejectOthers(
  hiring: Hiring,
  event: EventFor<'ContractCreated' | 'ContractSigned'>,
  ctx: HandlerContext,
): Promise<void> {
  const rejected = await hiring.rejectOthers(event.data.jobId, ctx)
  if (rejected > 0)
    ctx.logger.info({ jobId: event.data.jobId, rejected }, 'position filled: other applications rejected')
}

/**
 * `ContractCreated` (ours): the application accepted (or the contract undone), the job in line;
 * then, the job filled, its other pending or shortlisted applications rejected (`position_filled`,
 * `ApplicationRejected` each, with the event's correlation id). A redelivery rejects nothing more.
 */
export function ContractCreatedHandler(hiring: Hiring): Handler<'ContractCreated'> {
  return async (event, ctx) => {
    await healFrom(hiring, event, ctx)
    await rejectOthers(hiring, event, ctx)
  }
}

/**
 * `ContractSigned` (ours): the job `in_progress`; the job filled, the applications made since the
 * hire (the job was still open) rejected as {@link ContractCreatedHandler} rejects the others.
 */
export function ContractSignedHandler(hiring: Hiring): Handler<'ContractSigned'> {
  return async (event, ctx) => {
    await healFrom(hiring, event, ctx)
    await rejectOthers(hiring, event, ctx)
  }
}

/** `ContractCompleted` (ours): the job completed when no other contract runs. */
export function ContractCompletedHandler(hiring: Hiring): Handler<'ContractCompleted'> {
  return (event, ctx) => healFrom(hiring, event, ctx)
}

/** `ContractCancelled` (ours): the opening freed, the job back to open (or completed). */
export function ContractCancelledHandler(hiring: Hiring): Handler<'ContractCancelled'> {
  return (event, ctx) => healFrom(hiring, event, ctx)
}

/** The handler map of queue `job.hiring`. */
export function hiringHandlers(hiring: Hiring): HandlerMap {
  return {
    ContractCreated: ContractCreatedHandler(hiring),
    ContractSigned: ContractSignedHandler(hiring),
    ContractCompleted: ContractCompletedHandler(hiring),
    ContractCancelled: ContractCancelledHandler(hiring),
  }
}
