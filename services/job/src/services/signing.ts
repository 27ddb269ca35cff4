/** Signing a contract: the second signature activates it and moves the job to `in_progress`. */
import type { EventContext } from '@kelmah/contracts'
import type { Caller } from '@kelmah/service-kit'
import { signing } from '../domain/contract-changes.js'
import type { ContractDoc } from '../models/contract.js'
import { partyOrHide, visibleContract } from './contracts.js'
import type { ServiceDeps } from './deps.js'
import type { Hiring } from './hiring.js'

/** The signing use case. */
export class Signing {
  readonly #d: ServiceDeps
  readonly #hiring: Hiring

  constructor(deps: ServiceDeps, hiring: Hiring) {
    this.#d = deps
    this.#hiring = hiring
  }

  /**
   * A party signs. The second signature activates the contract (`ContractSigned`) and moves the
   * job to `in_progress` (from `open`; a job already in progress stays so).
   *
   * @throws ContractNotFound (404) for a third party; AlreadySigned (409) on a second signature by
   *   the same party (also the loser of two concurrent ones); IllegalContractTransition (409)
   *   when the contract no longer awaits signatures
   */
  async sign(caller: Caller, contractId: string, ctx: EventContext): Promise<ContractDoc> {
    const visible = await visibleContract(this.#d, caller, contractId)
    const party = partyOrHide(visible, caller)
    const contract = await this.#d.stores.contracts.change(
      visible._id,
      (c) => signing(c, party, this.#d.now(), ctx),
      { current: visible },
    )
    if (contract.status === 'active') await this.#hiring.settle(contract, ctx)
    return contract
  }
}
