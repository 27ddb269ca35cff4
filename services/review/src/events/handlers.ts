/**
 * Every subscription of the review service, registered in one place at start-up
 * ({@link registerSubscriptions}; docs/conventions.md, Events and handlers):
 *
 * - `review.contracts` — `ContractCreated`, `ContractSigned` (parties, title),
 *   `ContractCompleted`, `ContractCancelled` (the ending; opens the review window) and
 *   `PaymentReleased` (a paid milestone: a cancelled contract with one is reviewable);
 * - `review.people` — `UserRegistered`, `ProfileUpdated`: display names shown on reviews.
 *
 * Every effect is an insert keyed by its fact (services/contracts.ts), so a redelivery is a
 * duplicate key and nothing more.
 */
import type { HandlerMap } from '@kelmah/bus'
import type { KelmahApp } from '@kelmah/service-kit'
import type { Contracts } from '../services/contracts.js'

/** The handler map of `review.contracts`. */
export function contractHandlers(contracts: Contracts): HandlerMap {
  return {
    ContractCreated: (event) => contracts.known(event),
    ContractSigned: (event) => contracts.known(event),
    ContractCompleted: (event) => contracts.ended(event),
    ContractCancelled: (event) => contracts.ended(event),
    PaymentReleased: (event) => contracts.paid(event),
  }
}

/** The handler map of `review.people`. */
export function peopleHandlers(contracts: Contracts): HandlerMap {
  return {
    UserRegistered: (event) => contracts.registered(event),
    ProfileUpdated: (event) => contracts.profile(event),
  }
}

/** Subscribe every queue of the review service (after the bus started: an `onReady` hook in app.ts). */
export async function registerSubscriptions(app: KelmahApp, contracts: Contracts): Promise<void> {
  await app.bus.subscribe('contracts', contractHandlers(contracts), { prefetch: 10 })
  await app.bus.subscribe('people', peopleHandlers(contracts), { prefetch: 10 })
}
