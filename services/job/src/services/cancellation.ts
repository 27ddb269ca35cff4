/**
 * Cancelling a contract (rules in `domain/contract.ts`): at once, or a request the worker agrees
 * to. Cancelling one still awaiting signatures first wins its `voided` fate (`services/fates.ts`),
 * so it cannot cross a second signature landing at the same moment (one of the two wins).
 */
import type { EventContext } from '@kelmah/contracts'
import type { Caller } from '@kelmah/service-kit'
import { cancelByParty } from '../domain/contract-changes.js'
import type { ContractDoc } from '../models/contract.js'
import { partyOrHide, visibleContract } from './contracts.js'
import { ConcurrentUpdate } from '../errors.js'
import type { ServiceDeps } from './deps.js'
import { changeWithFate } from './fates.js'
import type { Hiring } from './hiring.js'

/** What a cancel call did: `cancelled`, or only `requested` (the worker must agree). */
export interface CancelOutcome {
  contract: ContractDoc
  outcome: 'cancelled' | 'requested'
}

/** The cancellation use case. */
export class Cancellation {
  readonly #d: ServiceDeps
  readonly #hiring: Hiring

  constructor(deps: ServiceDeps, hiring: Hiring) {
    this.#d = deps
    this.#hiring = hiring
  }

  /**
   * A party cancels: the contract is cancelled (`ContractCancelled` with the refundable
   * milestones; its opening is freed and the job brought in line), or — the hirer while money is
   * in escrow — a cancellation request is recorded for the worker to agree to.
   *
   * @throws ContractNotFound (404); IllegalContractTransition / CancellationNotAllowed (409);
   *   ConcurrentUpdate (409) when the second signature won the race against this cancel
   */
  async cancel(
    caller: Caller,
    contractId: string,
    reason: string | undefined,
    ctx: EventContext,
  ): Promise<CancelOutcome> {
    const visible = await visibleContract(this.#d, caller, contractId)
    const party = partyOrHide(visible, caller)
    const { contract, lost } = await changeWithFate(
      this.#d,
      visible._id,
      (c) => cancelByParty(c, party, caller.sub, reason ?? null, this.#d.now(), ctx),
      { current: visible },
    )
    // Both parties signed first: the contract is (being made) active; decide again on it.
    if (lost) throw new ConcurrentUpdate('contract')
    if (contract.status !== 'cancelled') return { contract, outcome: 'requested' }
    await this.#hiring.settle(contract, ctx)
    return { contract, outcome: 'cancelled' }
  }
}
