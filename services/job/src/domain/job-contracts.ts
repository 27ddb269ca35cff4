/**
 * Where the job state machine (`job-status.ts`) and the contract state machine (`contract.ts`)
 * meet: the ONE place that says what a job's end does to its contracts and what a contract may do
 * on an ended job. Pure; `services/jobs.ts`, `services/signing.ts`, `services/cancellation.ts`
 * and `services/hiring.ts` read, claim and write.
 *
 * **The rule** (as a marketplace does it: closing a job withdraws the offers still awaiting a
 * signature, it does not end work someone agreed to): closing or cancelling a job **withdraws**
 * (voids) every contract on it still `pending_signatures` (cancelled, reason `job_closed` /
 * `job_cancelled`, `ContractCancelled`, its opening freed), and is **refused** (409
 * `JOB_ERR_HIRE_IN_PROGRESS`) when a contract on it was signed by both parties — the job is then
 * in progress and ends through its contracts. A contract never activates on a closed or cancelled
 * job: a signature there is a 409 `JOB_ERR_JOB_ENDED` and voids the contract.
 *
 * **Job status × contract status → the moves allowed** (`—`: the pair cannot last; the follow-ups
 * in `services/hiring.ts#syncJob` repair it if a crash or a race leaves it behind):
 *
 * | job \ contract | `pending_signatures`                                                                                                        | `active`                                                                                                  | `completed`                          | `cancelled` |
 * | -------------- | --------------------------------------------------------------------------------------------------------------------------- | --------------------------------------------------------------------------------------------------------- | ------------------------------------ | ----------- |
 * | `draft`        | — (accept needs an open job)                                                                                                 | —                                                                                                         | —                                    | —           |
 * | `open`         | sign (the 2nd → `active`, job → `in_progress`); a party cancels (void); job close/cancel → voided (withdrawn)             | — (the same follow-up moves the job to `in_progress`); job close/cancel → 409 `JOB_ERR_HIRE_IN_PROGRESS` | — (`in_progress` → `open` needs none) | final       |
 * | `in_progress`  | sign (2nd → `active`); a party cancels (void); job close/cancel → 409 `JOB_ERR_ILLEGAL_TRANSITION`                        | milestones, cancel rules (`contract.ts`); the last one ending → job `completed` or `open`                 | final; job `completed` when none live | final       |
 * | `completed`    | — (the job waits for it: `jobStatusAfterContracts`)                                                                          | —                                                                                                         | final                                | final       |
 * | `closed`       | — voided at the close; a signature → 409 `JOB_ERR_JOB_ENDED` and voids it; the follow-ups void any found                   | — the close is refused while one exists; one activated in the race window is cancelled (nothing in escrow) | —                                    | final       |
 * | `cancelled`    | as `closed` (reason `job_cancelled`)                                                                                         | as `closed`                                                                                               | —                                    | final       |
 *
 * **The commit point** of a pending contract is its fate (`models/contract-fate.ts`): an
 * insert-only document keyed by the contract's id, `activated` (claimed by the second signature
 * before it writes `active`) or `voided` (claimed by every pending → cancelled move: the job's
 * end, a party's cancel, the application going away). A duplicate-`_id` insert is atomic on
 * FerretDB even across processes, where guarded updates of one document are not
 * (docs/ferretdb.md), so "close while the second signature lands" has one outcome:
 * - the job's end claims `voided` for each pending contract BEFORE it writes the job; if a
 *   signature claimed `activated` first, the close is refused (409) and the job is untouched;
 * - the second signature reads the job (ended → void, 409) and then claims `activated`; if the
 *   close claimed `voided` first, the signature is refused (409 `JOB_ERR_JOB_ENDED`) and the
 *   contract is cancelled.
 * A contract created by an accept that read the job as open just before the close wrote it is
 * not among the close's claims; the follow-ups (`syncJob`, run by the accept, the close and every
 * contract event) find it on the ended job and void it, and a signature on it reads the ended job.
 */
import type { EventContext } from '@kelmah/contracts'
import type { Decision } from '@kelmah/service-kit'
import { HireInProgress, IllegalJobTransition, JobEnded } from '../errors.js'
import type { ContractFate } from '../models/contract-fate.js'
import type { ContractDoc } from '../models/contract.js'
import type { ContractStatus } from './contract.js'
import { cancelling } from './contract-changes.js'
import { assertJobTransition, type JobStatus } from './job-status.js'

/** Job statuses that ended without (more) work: no contract on them may be live. */
export const ENDED_JOB_STATUSES: readonly JobStatus[] = ['closed', 'cancelled']

/** How a job ends by its hirer's hand. */
export type JobEnd = 'closed' | 'cancelled'

/** True when the job is closed or cancelled, or gone (`null`: its contracts have nothing to be for). */
export function jobHasEnded(status: JobStatus | null | undefined): boolean {
  return status == null || ENDED_JOB_STATUSES.includes(status)
}

/** The cancellation reason of a contract withdrawn because of its job's status. */
export function withdrawalReason(status: JobStatus | null | undefined): string {
  return status === 'cancelled' ? 'job_cancelled' : status == null ? 'job_deleted' : 'job_closed'
}

/**
 * The job status a withdrawal `reason` stands for (`job_closed` → `closed`, `job_cancelled` →
 * `cancelled`, `job_deleted` → `deleted`), or null when the contract was voided for another reason
 * (a party's cancel, the application going away).
 */
export function jobEndOfReason(reason: string | null | undefined): 'closed' | 'cancelled' | 'deleted' | null {
  if (reason === 'job_closed') return 'closed'
  if (reason === 'job_cancelled') return 'cancelled'
  if (reason === 'job_deleted') return 'deleted'
  return null
}

/**
 * How long the claimer of a `voided` fate is trusted to write the cancellation (and, for a job's
 * end, the job) itself: a second signature that loses to a claim younger than this leaves every
 * write to the claimer — two processes writing the same contract or job document at the same
 * moment can lose one of the writes on FerretDB (docs/ferretdb.md), and the claimer writes right
 * after its claim (milliseconds). An older claim is taken for a crashed claimer: the signature
 * repairs (withdraws the contract, brings the job in line). Milliseconds.
 */
export const FATE_CLAIMER_GRACE_MS = 30_000

/**
 * Whether a second signature that lost to the `voided` fate claimed at `claimedAt` should repair
 * the contract itself (true: the claimer is presumed gone, or the claim is unknown) or leave it to
 * the claimer (false: claimed within {@link FATE_CLAIMER_GRACE_MS} of `now`).
 */
export function signerRepairs(claimedAt: Date | null | undefined, now: Date): boolean {
  return !claimedAt || now.getTime() - claimedAt.getTime() >= FATE_CLAIMER_GRACE_MS
}

/**
 * A contract may be signed only while its job is `open` or `in_progress`.
 *
 * @throws JobEnded (409, `JOB_ERR_JOB_ENDED`) naming the job's status when it has ended
 */
export function assertSignable(job: JobStatus | null | undefined): void {
  if (jobHasEnded(job)) throw new JobEnded(job ?? 'deleted')
}

/** A contract of a job as the job's end sees it: its status and its fate, if one was claimed. */
export interface ContractOnJob {
  id: string
  status: ContractStatus
  fate: ContractFate | null
}

/**
 * Plan the hirer's close (open → closed) or cancel (draft/open → cancelled) of a job: which
 * pending contracts it withdraws (each must then win its `voided` fate before the job is written).
 *
 * @returns the ids of the contracts awaiting signatures, to void
 * @throws IllegalJobTransition (409) when the job may not move to `to` (a cancel only from draft
 *   or open: a job in progress ends through its contracts); HireInProgress (409, naming the
 *   contract) when a contract on the job is active or has claimed its activation
 */
export function planJobEnd(
  job: { status: JobStatus },
  to: JobEnd,
  contracts: readonly ContractOnJob[],
): { withdraw: string[] } {
  if (to === 'cancelled' && job.status !== 'draft' && job.status !== 'open')
    throw new IllegalJobTransition(job.status, to)
  assertJobTransition(job.status, to)
  const signed = contracts.find(
    (c) => c.status === 'active' || (c.status === 'pending_signatures' && c.fate === 'activated'),
  )
  if (signed) throw new HireInProgress(signed.id)
  return { withdraw: contracts.filter((c) => c.status === 'pending_signatures').map((c) => c.id) }
}

/**
 * What becomes of a live contract on a job that has ended (the repair of a pair the table above
 * says cannot last), as a store decision, or null to leave it:
 * - `pending_signatures` → cancelled (withdrawn; its `voided` fate must be won first);
 * - `active` with every milestone still `pending` (activated in the race window: no money moved)
 *   → cancelled, nothing refundable;
 * - anything else → null (money moved: only the parties' cancel rules may end it — unreachable,
 *   since the job's end is refused while a contract is active).
 */
export function endingWithJob(
  c: ContractDoc,
  job: JobStatus | null | undefined,
  now: Date,
  ctx: EventContext,
): Decision | null {
  if (!jobHasEnded(job)) return null
  const live =
    c.status === 'pending_signatures' ||
    (c.status === 'active' && c.milestones.every((m) => m.status === 'pending'))
  if (!live) return null
  return cancelling(
    c,
    { by: c.hirerId, refundableMilestoneIds: [], mutual: false, reason: withdrawalReason(job) },
    now,
    ctx,
  )
}

/**
 * The fate a contract change must win before it is written: `activated` for the move
 * `pending_signatures → active`, `voided` for `pending_signatures → cancelled`, null for every
 * other change (signing once, milestone work, the end of an active contract — past its fate).
 *
 * @param from - the contract's status as read
 * @param to - the status the decision sets (`decision.set.status`), if any
 */
export function fateOfMove(from: ContractStatus, to: unknown): ContractFate | null {
  if (from !== 'pending_signatures') return null
  if (to === 'active') return 'activated'
  if (to === 'cancelled') return 'voided'
  return null
}
