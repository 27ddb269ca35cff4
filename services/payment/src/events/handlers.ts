/**
 * Every subscription of the payment service, registered in one place at start-up
 * ({@link registerSubscriptions}; docs/conventions.md, Events and handlers):
 *
 * - `payment.contracts` — the contracts read model: `ContractCreated`, `ContractSigned`,
 *   `MilestoneSubmitted`, `ContractCompleted` (services/contracts.ts);
 * - `payment.release-on-approval` — `MilestoneApproved`: the work's status, then the release
 *   (services/settlement.ts);
 * - `payment.refund-on-cancellation` — `ContractCancelled`: the contract ends, its escrowed
 *   milestones are refunded.
 *
 * Each effect is idempotent on its own (deterministic transfer ids, guarded status moves), so a
 * redelivery — after a crash, a broker cut, a retry — has no second effect.
 */
import type { Handler, HandlerMap } from '@kelmah/bus'
import type { KelmahApp } from '@kelmah/service-kit'
import type { ContractsView } from '../services/contracts.js'
import type { Settlement } from '../services/settlement.js'

/** What {@link registerSubscriptions} dispatches to. */
export interface SubscriptionDeps {
  contracts: ContractsView
  settlement: Settlement
}

/** `MilestoneApproved`: record the approval, release the escrow. */
export function MilestoneApprovedHandler(d: SubscriptionDeps): Handler<'MilestoneApproved'> {
  return async (event, ctx) => {
    await d.contracts.work(event.data.contractId, event.data.milestoneId, 'approved')
    await d.settlement.release(event, ctx)
  }
}

/** `ContractCancelled`: the contract ends; refund each escrowed milestone it lists. */
export function ContractCancelledHandler(d: SubscriptionDeps): Handler<'ContractCancelled'> {
  return async (event, ctx) => {
    await d.contracts.ended(event.data.contractId, 'cancelled')
    await d.settlement.refundCancelled(event, ctx)
  }
}

/** The handler map of `payment.contracts`. */
export function contractHandlers(d: SubscriptionDeps): HandlerMap {
  return {
    ContractCreated: (event) => d.contracts.created(event),
    ContractSigned: (event) => d.contracts.signed(event),
    MilestoneSubmitted: (event) =>
      d.contracts.work(event.data.contractId, event.data.milestoneId, 'submitted'),
    ContractCompleted: (event) => d.contracts.ended(event.data.contractId, 'completed'),
  }
}

/** Subscribe every queue of the payment service (after the bus started: an `onReady` hook in app.ts). */
export async function registerSubscriptions(app: KelmahApp, d: SubscriptionDeps): Promise<void> {
  await app.bus.subscribe('contracts', contractHandlers(d), { prefetch: 10 })
  await app.bus.subscribe(
    'release-on-approval',
    { MilestoneApproved: MilestoneApprovedHandler(d) },
    { prefetch: 10 },
  )
  await app.bus.subscribe(
    'refund-on-cancellation',
    { ContractCancelled: ContractCancelledHandler(d) },
    { prefetch: 5 },
  )
}
