/**
 * The job service listening to its own contract events (queue `job.hiring`), to re-apply the
 * idempotent follow-ups of each contract change: a crash between the contract write and those
 * follow-ups (application accepted, other applications rejected, the job's `hiredCount` and
 * status) would otherwise leave them undone. The contract write carries its event in the same
 * document (outbox), so the event — and with it this repair — is never lost.
 *
 * Each event → `Contracts.heal`: one read when the request already ran the follow-ups (the
 * contract's `settledVersion` is current — the normal case); otherwise `completeHire` (application
 * accepted, or the contract undone if the application was withdrawn meanwhile) and `syncJob`.
 */
import { NonRetryableError, type Handler } from '@kelmah/bus'
import type { KelmahApp } from '@kelmah/service-kit'
import { ContractNotFound } from '../errors.js'
import type { Contracts } from '../services/contracts.js'

/** The contract events whose follow-ups this service re-applies. */
export const HIRING_EVENTS = [
  'ContractCreated',
  'ContractSigned',
  'ContractCompleted',
  'ContractCancelled',
] as const

/**
 * `ContractCreated` / `ContractSigned` / `ContractCompleted` / `ContractCancelled` (ours): heal
 * the follow-ups. An unknown contract is dead-lettered (an event of another deployment?).
 */
export function ContractChangedHandler(contracts: Contracts): Handler<(typeof HIRING_EVENTS)[number]> {
  return async (event, ctx) => {
    try {
      const outcome = await contracts.heal(event.data.contractId, { causationId: event.id })
      if (outcome === 'healed')
        ctx.logger.warn({ contractId: event.data.contractId }, 'contract follow-ups healed')
    } catch (err) {
      if (err instanceof ContractNotFound) {
        throw new NonRetryableError(`${event.type} for unknown contract ${event.data.contractId}`)
      }
      throw err
    }
  }
}

/** Subscribe the hiring repair handler. Call once the bus has started (an `onReady` hook). */
export async function registerHiringHandlers(app: KelmahApp, contracts: Contracts): Promise<void> {
  await app.bus.subscribe('hiring', HIRING_EVENTS, ContractChangedHandler(contracts))
}
