/**
 * The hire: accepting an application creates its contract, and the idempotent follow-ups bring
 * the application and the job in line (again from the service's own contract events, so a crash
 * in between heals itself; `events/hiring-handlers.ts`). When the hire fills the job's last
 * opening, the other applications are rejected by the consumer of `ContractCreated`
 * ({@link Hiring.rejectOthers}), not by the accept: with 50 applications that is 49 guarded
 * writes, which FerretDB applies one at a time (issue 11).
 *
 * **Consistency without transactions** (FerretDB 1.24 has none; docs/ferretdb.md):
 * - The hire's commit point is the contract INSERT (`stores.contracts.create`): its unique
 *   `applicationId` and `hireSlot` (`<jobId>:<n>`) make "exactly one of two racing accepts wins"
 *   hold even across processes. Nothing is written before it, so a losing accept changes nothing.
 * - The follow-ups (application `accepted`, the job's `hiredCount` and status; later, from
 *   `ContractCreated`, the other applications `rejected`) are guarded store writes that are
 *   no-ops when already done. `ContractCreated` is in the contract's outbox from the insert on,
 *   so the rejections happen even when the process dies right after the claim.
 * - Until they do, the others read `pending`; an accept of one of them finds the job's openings
 *   taken (the `hireSlot` insert fails: PositionFilled), as after the rejections.
 * - A contract leaves `pending_signatures` only after winning its fate (`services/fates.ts`,
 *   `models/contract-fate.ts`), and a live contract found on a closed or cancelled job is ended
 *   by {@link Hiring.syncJob} (`domain/job-contracts.ts`: the two state machines agree).
 */
import type { EventContext } from '@kelmah/contracts'
import { isDuplicateKey, type Caller } from '@kelmah/service-kit'
import { assertApplicationTransition, moveIfActive } from '../domain/application-status.js'
import { LIVE_CONTRACT_STATUSES } from '../domain/contract.js'
import { cancelling } from '../domain/contract-changes.js'
import { endingWithJob, jobHasEnded } from '../domain/job-contracts.js'
import { hireSlot, jobAfterContracts, newContract, positionFilledExcept } from '../domain/hiring.js'
import type { MilestoneDraft } from '../domain/milestone.js'
import {
  ApplicationAlreadyHired,
  ApplicationNotFound,
  ConcurrentUpdate,
  ContractNotFound,
  JobNotFound,
  JobNotOpen,
  PositionFilled,
} from '../errors.js'
import { applicationAccepted, contractCreated } from '../events/contract-publishers.js'
import type { ApplicationDoc } from '../models/application.js'
import type { ContractDoc } from '../models/contract.js'
import type { JobDoc } from '../models/job.js'
import { rejectActiveApplications } from './applications.js'
import type { ServiceDeps } from './deps.js'
import { changeWithFate } from './fates.js'

/** `POST /api/applications/:id/accept` input. */
export interface AcceptInput {
  milestones?: MilestoneDraft[]
  terms?: string
}

/** How many times {@link Hiring.syncJob} reads the job and its contracts again after a lost race. */
const SYNC_ATTEMPTS = 8

/** The hire and its follow-ups (module header). */
export class Hiring {
  readonly #d: ServiceDeps
  /** The follow-ups of accepts and settles running in this process, by contract id (hex). */
  readonly #following = new Map<string, Promise<unknown>>()

  constructor(deps: ServiceDeps) {
    this.#d = deps
  }

  /**
   * The job's hirer accepts an application: creates its contract (`pending_signatures`,
   * `ContractCreated`), then runs the follow-ups ({@link completeHire}). Returns before the other
   * applications are rejected when the job is now filled: that follows from `ContractCreated`
   * ({@link rejectOthers}).
   *
   * @returns the contract
   * @throws ApplicationNotFound (404) for an unknown application or one of another hirer's job;
   *   JobNotOpen (409) when the job is not open; ApplicationAlreadyHired (409) when it already
   *   has a contract (or won a racing accept); IllegalApplicationTransition (409) when it is
   *   rejected or withdrawn; PositionFilled (409) when every opening is taken; InvalidMilestones
   *   (400 naming `milestones…`)
   */
  async accept(
    caller: Caller,
    applicationId: string,
    input: AcceptInput,
    ctx: EventContext,
  ): Promise<ContractDoc> {
    const { Application, Job, Contract } = this.#d
    const application = await Application.findById(applicationId).lean<ApplicationDoc>()
    if (!application || application.hirerId !== caller.sub) throw new ApplicationNotFound(applicationId)
    const job = await Job.findById(application.jobId).lean<JobDoc>()
    if (!job || job.hirerId !== caller.sub) throw new JobNotFound(String(application.jobId))
    if (application.status === 'accepted') throw new ApplicationAlreadyHired()
    assertApplicationTransition(application.status, 'accepted')
    if (job.status !== 'open') throw new JobNotOpen(job.status)

    const draft = newContract(job, application, input, this.#d.now())
    const events = [contractCreated(draft, ctx)]
    // The claim: the first free opening. A duplicate key on applicationId means the application
    // is taken (409); on hireSlot, that opening is taken — try the next one.
    let claimed: ContractDoc | undefined
    for (let n = 0; n < Math.max(1, job.openings ?? 1) && !claimed; n++) {
      try {
        claimed = await this.#d.stores.contracts.create({ ...draft, hireSlot: hireSlot(job._id, n) }, events)
      } catch (err) {
        if (!isDuplicateKey(err)) throw err
        if (await Contract.exists({ applicationId: application._id })) throw new ApplicationAlreadyHired()
      }
    }
    if (!claimed) throw new PositionFilled()

    // Tracked while it runs: the relay publishes `ContractCreated` at once, and its repair handler
    // here ({@link heal}) waits for these follow-ups instead of running them a second time.
    const running = this.#completeHire(claimed, ctx, { application })
    const key = String(claimed._id)
    this.#following.set(key, running)
    const hire = await running.finally(() => this.#following.delete(key))
    let contract = hire.contract
    // The follow-ups read the job after the claim: still open (or in progress), the contract
    // stands as they left it. Ended, the job's close may have withdrawn the new contract
    // (`domain/job-contracts.ts`, here or in the closing request): read it back, and the accept
    // reports the job's state.
    if (contract.status === 'pending_signatures' && (!hire.job || jobHasEnded(hire.job.status))) {
      const latest = (await this.#d.stores.contracts.get(contract._id)) ?? contract
      if (latest.status === 'cancelled' && latest.cancellation?.reason?.startsWith('job_')) {
        const ended = await Job.findById(job._id).lean<JobDoc>()
        throw new JobNotOpen(ended?.status ?? 'deleted')
      }
      contract = latest
    }
    if (contract.status === 'cancelled') {
      // The application was withdrawn or rejected between our read and the claim: the contract
      // was undone by completeHire; report the application's state as the conflict.
      const latest = await Application.findById(applicationId).lean<ApplicationDoc>()
      assertApplicationTransition(latest?.status ?? 'withdrawn', 'accepted')
      throw new ApplicationAlreadyHired()
    }
    return contract
  }

  /**
   * The follow-ups of a hire, idempotent (run after the claim and again on `ContractCreated`):
   * the application becomes `accepted` (`ApplicationAccepted`); if it was withdrawn or rejected
   * meanwhile, the contract is cancelled instead (it never had a chance to be signed); then the
   * job is brought in line ({@link settle}).
   *
   * @param known - the application as read before the claim (saves a round trip; the store
   *   decides again on a fresh read when it is stale)
   * @returns the contract as it stands afterwards
   */
  async completeHire(
    contract: ContractDoc,
    ctx: EventContext,
    known: { application?: ApplicationDoc } = {},
  ): Promise<ContractDoc> {
    return (await this.#completeHire(contract, ctx, known)).contract
  }

  /** {@link completeHire}, also returning the job as its follow-up last read it (null: deleted). */
  async #completeHire(
    contract: ContractDoc,
    ctx: EventContext,
    known: { application?: ApplicationDoc },
  ): Promise<{ contract: ContractDoc; job: JobDoc | null }> {
    const contractId = String(contract._id)
    let current = contract
    if (current.status !== 'cancelled') {
      const application =
        known.application ??
        (await this.#d.Application.findById(current.applicationId).lean<ApplicationDoc>()) ??
        undefined
      let status = application?.status
      if (application) {
        const after = await this.#d.stores.applications.change(
          application._id,
          (a) =>
            moveIfActive(a, 'accepted', { rejectionReason: null }, [applicationAccepted(a, contractId, ctx)]),
          { current: application },
        )
        status = after.status
      }
      if (status !== 'accepted' && current.status === 'pending_signatures') {
        const reason = `application_${status ?? 'deleted'}`
        // Lost to an activation (both parties signed first): the contract stands.
        ;({ contract: current } = await changeWithFate(
          this.#d,
          current._id,
          (c) =>
            c.status === 'pending_signatures'
              ? cancelling(
                  c,
                  { by: c.hirerId, refundableMilestoneIds: [], mutual: false, reason },
                  this.#d.now(),
                  ctx,
                )
              : null,
          { current },
        ))
      }
    }
    const job = await this.settle(current, ctx)
    return { contract: current, job }
  }

  /**
   * The repair path (`ContractCreated` / `ContractSigned` / `ContractCompleted` /
   * `ContractCancelled` consumed by this service): re-run the follow-ups unless the contract says
   * they already ran for its current version (`settledVersion`), which is the normal case — the
   * request that made the change ran them inline (an accept still running them in this process
   * is waited for first). Costs one read when there is nothing to heal.
   *
   * @throws ContractNotFound when the contract does not exist
   */
  async heal(contractId: string, ctx: EventContext): Promise<'settled' | 'healed'> {
    // The accept that made the contract may still be running its follow-ups in this process:
    // wait for them (whatever their outcome) rather than run them twice side by side.
    await this.#following.get(contractId)?.catch(() => undefined)
    const contract = await this.#d.stores.contracts.get(contractId)
    if (!contract) throw new ContractNotFound(contractId)
    if ((contract.settledVersion ?? -1) >= contract.version) return 'settled'
    await this.completeHire(contract, ctx)
    return 'healed'
  }

  /**
   * The follow-ups of a contract change on its job ({@link syncJob}), then the mark that they ran
   * for this version (so the repair handler skips it).
   *
   * @param known - the job as the caller read it BEFORE reading the contract's state it acts on
   *   (saves a round trip; see {@link syncJob})
   * @returns the job as the follow-up last read it (null when it is gone)
   */
  async settle(
    contract: ContractDoc,
    ctx: EventContext,
    known: { job?: JobDoc } = {},
  ): Promise<JobDoc | null> {
    // Tracked while it runs (unless an accept tracks it already): the change's event
    // (`ContractSigned`, …) reaches {@link heal} here at once, which waits instead of repeating it.
    const run = this.#settle(contract, ctx, known)
    const key = String(contract._id)
    if (!this.#following.has(key)) {
      this.#following.set(key, run)
      const untrack = () => this.#following.delete(key)
      run.then(untrack, untrack)
    }
    return run
  }

  /** {@link settle}'s work. */
  async #settle(contract: ContractDoc, ctx: EventContext, known: { job?: JobDoc }): Promise<JobDoc | null> {
    const job = await this.syncJob(contract.jobId, ctx, known)
    // Bookkeeping, not a change of the contract: `version` stays (no conflict with real changes);
    // `$lt` keeps the mark monotonic.
    await this.#d.Contract.updateOne(
      { _id: contract._id, settledVersion: { $lt: contract.version } },
      { $set: { settledVersion: contract.version } },
      { timestamps: false },
    )
    return job
  }

  /**
   * Bring a job in line with its contracts, idempotently: `hiredCount` and the status follow
   * `domain/hiring.ts#jobAfterContracts` (`JobUpdated` on a status change); a live contract on an
   * ended job is ended. The other applications of a filled job are not touched here
   * ({@link rejectOthers} does it, from `ContractCreated`).
   *
   * The decision depends on the job's contracts as well as the job, so a lost race reads BOTH
   * again (the job first, then its contracts: a contract inserted after the job read bumps no
   * job version, and would otherwise be missed) — `store.write` guarded by the version read,
   * not `store.change`, whose retry would decide again on the stale contracts.
   *
   * Round trips when nothing races: the job (none when `known.job` is given), its contracts
   * (`{jobId}`, pushed down) and the job's write.
   *
   * @param known - the job as read before the contracts' state this follows (a signature, a
   *   claim), used for the first attempt: a stale one loses the version guard and is read again
   * @returns the job as last read (null when it is gone)
   * @throws ConcurrentUpdate (409) after {@link SYNC_ATTEMPTS} lost races
   */
  async syncJob(
    jobId: ContractDoc['jobId'],
    ctx: EventContext,
    known: { job?: JobDoc } = {},
  ): Promise<JobDoc | null> {
    const { Job, Contract, stores } = this.#d
    let given = known.job && String(known.job._id) === String(jobId) ? known.job : undefined
    // LIB-GAP: AggregateStore.change should take an async `load` of the decision's other inputs
    // (here the job's contracts), run again on every attempt; until then this loop does it.
    for (let attempt = 0; attempt < SYNC_ATTEMPTS; attempt++) {
      const job = given ?? (await Job.findById(jobId).lean<JobDoc>())
      given = undefined
      if (!job) return null
      let contracts = await Contract.find({ jobId: job._id }, { status: 1, applicationId: 1 }).lean<
        Pick<ContractDoc, '_id' | 'status' | 'applicationId'>[]
      >()
      if (jobHasEnded(job.status) && contracts.some((c) => LIVE_CONTRACT_STATUSES.includes(c.status))) {
        await this.#endWithJob(job, contracts, ctx)
        contracts = await Contract.find({ jobId: job._id }, { status: 1, applicationId: 1 }).lean<
          Pick<ContractDoc, '_id' | 'status' | 'applicationId'>[]
        >()
      }
      const decision = jobAfterContracts(job, contracts, ctx)
      if (!decision) return job
      if (await stores.jobs.write({ _id: job._id, version: job.version ?? 0 }, decision)) return job
    }
    throw new ConcurrentUpdate('job')
  }

  /**
   * The position-filled rule, applied (`domain/hiring.ts#positionFilledExcept`): when the job's
   * contracts hold every opening, every other pending or shortlisted application is rejected
   * (`position_filled`, each with its `ApplicationRejected`; {@link rejectActiveApplications}).
   * Run by the `ContractCreated` consumer after {@link heal}. Idempotent: a second run finds
   * nothing active to reject (an event redelivered does nothing twice), and one after the
   * contract was cancelled finds an opening free and rejects nothing.
   *
   * Round trips: the job, its contracts; when filled, the applications (one read) and two writes
   * whatever their number (one when a single one is left, none when none is).
   *
   * @returns how many applications were rejected (0 when the job is gone or not filled)
   */
  async rejectOthers(jobId: ContractDoc['jobId'] | string, ctx: EventContext): Promise<number> {
    const job = await this.#d.Job.findById(jobId).lean<JobDoc>()
    if (!job) return 0
    const contracts = await this.#d.Contract.find({ jobId: job._id }, { status: 1, applicationId: 1 }).lean<
      Pick<ContractDoc, '_id' | 'status' | 'applicationId'>[]
    >()
    const spared = positionFilledExcept(job, contracts)
    if (!spared) return 0
    return rejectActiveApplications(this.#d, job._id, 'position_filled', ctx, spared)
  }

  /**
   * Withdraw contracts still awaiting signatures (cancelled, reason `reason`, by the hirer,
   * `ContractCancelled`), each once its `voided` fate is won; one that lost to an activation is
   * left as it is. Then their job is brought in line ({@link syncJob}).
   */
  async withdraw(
    contracts: readonly Pick<ContractDoc, '_id' | 'jobId'>[],
    reason: string,
    ctx: EventContext,
  ): Promise<void> {
    for (const c of contracts) {
      await changeWithFate(this.#d, c._id, (fresh) =>
        fresh.status === 'pending_signatures'
          ? cancelling(
              fresh,
              { by: fresh.hirerId, refundableMilestoneIds: [], mutual: false, reason },
              this.#d.now(),
              ctx,
            )
          : null,
      )
    }
    const jobIds = new Set(contracts.map((c) => String(c.jobId)))
    for (const c of contracts.filter((x) => jobIds.delete(String(x.jobId)))) await this.syncJob(c.jobId, ctx)
  }

  /**
   * End the live contracts of a closed or cancelled job (`domain/job-contracts.ts#endingWithJob`):
   * each pending one is withdrawn once its `voided` fate is won (one that lost to an activation
   * is left to its signer, whose own follow-up ends it as an active contract with nothing in
   * escrow); an active one with no money moved is cancelled. Each publishes `ContractCancelled`.
   */
  async #endWithJob(
    job: JobDoc,
    contracts: readonly Pick<ContractDoc, '_id' | 'status'>[],
    ctx: EventContext,
  ): Promise<void> {
    for (const c of contracts) {
      if (!LIVE_CONTRACT_STATUSES.includes(c.status)) continue
      await changeWithFate(this.#d, c._id, (fresh) => endingWithJob(fresh, job.status, this.#d.now(), ctx))
    }
  }
}
