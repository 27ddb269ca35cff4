/**
 * Signing a contract: the second signature activates it and moves the job to `in_progress` —
 * unless the job has ended (`domain/job-contracts.ts`): a contract never activates on a closed or
 * cancelled job.
 *
 * The race "the job closes while the second signature lands" is decided by the contract's fate
 * (`services/fates.ts`): the activation is written only after `activated` is won, and the job's
 * end claims `voided` before it writes the job, so exactly one of them happens, across processes
 * too (a duplicate-`_id` insert is atomic on FerretDB; guarded updates are not, docs/ferretdb.md).
 */
import type { EventContext } from '@kelmah/contracts'
import type { Caller } from '@kelmah/service-kit'
import { signing } from '../domain/contract-changes.js'
import { assertSignable, jobHasEnded, withdrawalReason } from '../domain/job-contracts.js'
import { IllegalContractTransition, JobEnded } from '../errors.js'
import type { ContractDoc } from '../models/contract.js'
import type { JobDoc } from '../models/job.js'
import { partyOrHide, visibleContract } from './contracts.js'
import type { ServiceDeps } from './deps.js'
import { changeWithFate } from './fates.js'
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
   *   when the contract no longer awaits signatures (or was withdrawn while this signature
   *   landed); JobEnded (409, `JOB_ERR_JOB_ENDED`) when its job is closed or cancelled — the
   *   contract is then withdrawn
   */
  async sign(caller: Caller, contractId: string, ctx: EventContext): Promise<ContractDoc> {
    const visible = await visibleContract(this.#d, caller, contractId)
    const party = partyOrHide(visible, caller)
    if (visible.status === 'pending_signatures') await this.#assertJobTakesSignatures(visible, ctx)
    const { contract, lost } = await changeWithFate(
      this.#d,
      visible._id,
      (c) => signing(c, party, this.#d.now(), ctx),
      { current: visible },
    )
    if (lost) {
      // Withdrawn first (the job's end, or the other party's cancel): make sure the contract says
      // so, then report why.
      const job = await this.#d.Job.findById(contract.jobId, { status: 1 }).lean<Pick<JobDoc, 'status'>>()
      await this.#hiring.withdraw([contract], withdrawalReason(job?.status), ctx)
      if (jobHasEnded(job?.status)) throw new JobEnded(job?.status ?? 'deleted')
      throw new IllegalContractTransition('cancelled', 'active')
    }
    if (contract.status === 'active') await this.#hiring.settle(contract, ctx)
    return contract
  }

  /** @throws JobEnded (409) when the contract's job has ended, after withdrawing the contract */
  async #assertJobTakesSignatures(contract: ContractDoc, ctx: EventContext): Promise<void> {
    const job = await this.#d.Job.findById(contract.jobId, { status: 1 }).lean<Pick<JobDoc, 'status'>>()
    if (!jobHasEnded(job?.status)) return
    await this.#hiring.withdraw([contract], withdrawalReason(job?.status), ctx)
    assertSignable(job?.status)
  }
}
