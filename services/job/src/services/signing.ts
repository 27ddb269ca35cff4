/**
 * Signing a contract: the second signature activates it and moves the job to `in_progress` —
 * unless the job has ended (`domain/job-contracts.ts`): a contract never activates on a closed or
 * cancelled job.
 *
 * The race "the job closes while the second signature lands" is decided by the contract's fate
 * (`services/fates.ts`): the activation is written only after `activated` is won, and the job's
 * end claims `voided` before it writes the job, so exactly one of them happens, across processes
 * too (a duplicate-`_id` insert is atomic on FerretDB; guarded updates are not, docs/ferretdb.md).
 * The loser of that race writes nothing while the winner is still at work (`#lostToVoid`): only
 * the claimer of the fate writes the contract and the job after it.
 */
import type { EventContext } from '@kelmah/contracts'
import type { Caller } from '@kelmah/service-kit'
import { signing } from '../domain/contract-changes.js'
import {
  assertSignable,
  jobEndOfReason,
  jobHasEnded,
  signerRepairs,
  withdrawalReason,
} from '../domain/job-contracts.js'
import { IllegalContractTransition, JobEnded } from '../errors.js'
import type { ContractFateDoc } from '../models/contract-fate.js'
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
   *   landed); JobEnded (409, `JOB_ERR_JOB_ENDED`) when its job is closed or cancelled (or is
   *   being closed: its end claimed the contract first) — the contract is withdrawn, by this
   *   request when it read the job ended, else by the job's end
   */
  async sign(caller: Caller, contractId: string, ctx: EventContext): Promise<ContractDoc> {
    const visible = await visibleContract(this.#d, caller, contractId)
    const party = partyOrHide(visible, caller)
    const job =
      visible.status === 'pending_signatures' ? await this.#assertJobTakesSignatures(visible, ctx) : undefined
    const { contract, lost } = await changeWithFate(
      this.#d,
      visible._id,
      (c) => signing(c, party, this.#d.now(), ctx),
      { current: visible },
    )
    if (lost) await this.#lostToVoid(contract, ctx)
    // The job as read before the signature: the follow-up's first attempt uses it (its write is
    // guarded by the job's version, so a job changed since is read again).
    if (contract.status === 'active') await this.#hiring.settle(contract, ctx, job ? { job } : {})
    return contract
  }

  /**
   * The second signature lost: someone claimed the contract's `voided` fate first (the job's end,
   * the other party's cancel, the application going away). A claim younger than
   * `FATE_CLAIMER_GRACE_MS` belongs to a request still running, which writes the cancellation and
   * its follow-ups itself — this request writes nothing, so two processes never write the
   * contract or the job at the same moment (a lost update on FerretDB could otherwise undo the
   * job's close). An older claim is a crashed claimer's: withdraw the contract here.
   *
   * @throws JobEnded (409) when the fate is a job's end (or the job has ended);
   *   IllegalContractTransition (409, cancelled → active) otherwise
   */
  async #lostToVoid(contract: ContractDoc, ctx: EventContext): Promise<never> {
    const [fate, job] = await Promise.all([
      this.#d.ContractFate.findById(contract._id).lean<ContractFateDoc>(),
      this.#d.Job.findById(contract.jobId, { status: 1 }).lean<Pick<JobDoc, 'status'>>(),
    ])
    const jobEnd = jobEndOfReason(fate?.reason)
    if (signerRepairs(fate?.at, this.#d.now()))
      await this.#hiring.withdraw([contract], fate?.reason ?? withdrawalReason(job?.status), ctx)
    if (jobHasEnded(job?.status)) throw new JobEnded(job?.status ?? 'deleted')
    if (jobEnd) throw new JobEnded(jobEnd)
    throw new IllegalContractTransition('cancelled', 'active')
  }

  /**
   * @returns the contract's job (the whole document: the follow-up of the activation reuses it),
   *   undefined when it is gone
   * @throws JobEnded (409) when the contract's job has ended, after withdrawing the contract
   */
  async #assertJobTakesSignatures(contract: ContractDoc, ctx: EventContext): Promise<JobDoc | undefined> {
    const job = (await this.#d.Job.findById(contract.jobId).lean<JobDoc>()) ?? undefined
    if (!jobHasEnded(job?.status)) return job
    await this.#hiring.withdraw([contract], withdrawalReason(job?.status), ctx)
    assertSignable(job?.status)
    return job
  }
}
