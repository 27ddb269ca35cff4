/**
 * The job service listening to its own contract events (queue `job.hiring`), to re-apply the
 * idempotent follow-ups of each contract change: a crash between the contract write and those
 * follow-ups (application accepted, other applications rejected, the job's `hiredCount` and
 * status) would otherwise leave them undone. The contract write carries its event in the same
 * document (outbox), so the event — and with it this repair — is never lost.
 *
 * Each event → `Hiring.heal`: one read when the request already ran the follow-ups (the
 * contract's `settledVersion` is current — the normal case); otherwise `completeHire` (application
 * accepted, or the contract undone if the application was withdrawn meanwhile) and the job sync.
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

/** `ContractCreated` (ours): the application accepted (or the contract undone), the job in line. */
export function ContractCreatedHandler(hiring: Hiring): Handler<'ContractCreated'> {
  return (event, ctx) => healFrom(hiring, event, ctx)
}

/** `ContractSigned` (ours): the job `in_progress`. */
export function ContractSignedHandler(hiring: Hiring): Handler<'ContractSigned'> {
  return (event, ctx) => healFrom(hiring, event, ctx)
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
