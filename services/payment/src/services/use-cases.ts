/**
 * Every use case of the payment service, built once from the shared dependencies and handed to
 * the route plugins and the subscriptions.
 */
import { ContractsView } from './contracts.js'
import type { PaymentDeps } from './deps.js'
import { Disputes } from './disputes.js'
import { Funding } from './funding.js'
import { Settlement } from './settlement.js'
import { Wallet } from './wallet.js'
import { Webhooks } from './webhooks.js'

/** The use cases, by name. */
export interface UseCases {
  deps: PaymentDeps
  contracts: ContractsView
  funding: Funding
  webhooks: Webhooks
  settlement: Settlement
  disputes: Disputes
  wallet: Wallet
}

/** Build the use cases on `deps`. */
export function useCases(deps: PaymentDeps): UseCases {
  const settlement = new Settlement(deps)
  const webhooks = new Webhooks(deps)
  // Money funded after its contract was cancelled goes straight back to the hirer.
  webhooks.onFundedLate((escrow, ctx) =>
    settlement.refundEscrow(escrow, 'contract_cancelled', { type: 'webhook', id: `late:${escrow._id}` }, ctx),
  )
  return {
    deps,
    contracts: new ContractsView(deps),
    funding: new Funding(deps, webhooks),
    webhooks,
    settlement,
    disputes: new Disputes(deps, settlement),
    wallet: new Wallet(deps),
  }
}
