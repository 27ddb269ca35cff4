/**
 * The marketplace steps the seed and the demo take, on the SDK's generated calls: profiles (user
 * service), jobs, applications and contracts (job service). What the SDK leaves to its caller is
 * here: waiting for what the services learn from events (a profile made on `UserRegistered`, a
 * contract's state), and settling a lost answer (a 502/504 after which the step may have counted).
 */
import { type BodyOf, KelmahProblem, ok, type ResponseOf } from '@kelmah/sdk'
import type { Account } from './accounts.js'

/** A job as `GET /api/jobs/{id}` answers it. */
export type Job = ResponseOf<'/api/jobs/{id}', 'get'>
/** An application as `GET /api/applications/{id}` answers it. */
export type Application = ResponseOf<'/api/applications/{id}', 'get'>
/** A contract as `GET /api/contracts/{id}` answers it (`pending_signatures` → `active` → `completed`). */
export type Contract = ResponseOf<'/api/contracts/{id}', 'get'>['contract']
/** A milestone of a contract (`pending` → `funded` → `submitted` → `approved` → `released`). */
export type Milestone = Contract['milestones'][number]
/** Money: integer minor units and an ISO 4217 code. */
export type Money = Milestone['amount']
/** The body of `PATCH /api/users/me`. */
export type ProfileBody = BodyOf<'/api/users/me', 'patch'>
/** The body of `POST /api/jobs`. */
export type JobBody = BodyOf<'/api/jobs', 'post'>
/** The body of `POST /api/jobs/{id}/applications`. */
export type ApplicationBody = BodyOf<'/api/jobs/{id}/applications', 'post'>

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Whether `err` is a refusal with this status (and, when given, one of these codes). */
export function refused(err: unknown, status: number, codes?: ReadonlySet<string>): err is KelmahProblem {
  return err instanceof KelmahProblem && err.status === status && (!codes || codes.has(err.code))
}

/** A 5xx after which the request may or may not have taken effect (the gateway gave up waiting). */
function uncertain(err: unknown): err is KelmahProblem {
  return err instanceof KelmahProblem && (err.status === 504 || err.status === 502 || err.status === 500)
}

/**
 * `PATCH /api/users/me`. The user service makes the profile when it consumes `UserRegistered`,
 * a moment after registration: a 404 before that is waited out (up to `waitMs`).
 *
 * @throws KelmahProblem for any other refusal, or 404 after `waitMs`
 */
export async function updateProfile(account: Account, body: ProfileBody, waitMs = 15_000) {
  const deadline = Date.now() + waitMs
  for (let pause = 100; ; pause = Math.min(pause * 2, 1_000)) {
    try {
      return await ok(account.kelmah.api.PATCH('/api/users/me', { body }))
    } catch (err) {
      if (!refused(err, 404) || Date.now() > deadline) throw err
      await sleep(pause)
    }
  }
}

/**
 * `POST /api/jobs` (201), then `POST /api/jobs/{id}/publish` when the service made a draft.
 *
 * @throws KelmahProblem when a step is refused
 */
export async function postJob(account: Account, body: JobBody): Promise<Job> {
  const api = account.kelmah.api
  const job = await ok(api.POST('/api/jobs', { body }))
  if (job.status !== 'draft') return job
  return ok(api.POST('/api/jobs/{id}/publish', { params: { path: { id: job.id } } }))
}

/**
 * `POST /api/jobs/{id}/applications` (201). A lost answer (504) is followed by a second try; its
 * 409 (one application per worker and job) means the first counted, and the application is found
 * among the worker's own (`GET /api/applications/mine`).
 *
 * @throws KelmahProblem when applying is refused
 */
export async function apply(account: Account, jobId: string, body: ApplicationBody): Promise<Application> {
  const api = account.kelmah.api
  const send = () => ok(api.POST('/api/jobs/{id}/applications', { params: { path: { id: jobId } }, body }))
  try {
    return await send()
  } catch (err) {
    if (!uncertain(err)) throw err
    await sleep(1_000)
    try {
      return await send()
    } catch (again) {
      if (!refused(again, 409)) throw again
    }
    for await (const mine of account.kelmah.paginate('/api/applications/mine', { query: { limit: 100 } }))
      if (mine.jobId === jobId) return mine
    throw err
  }
}

/** `POST /api/applications/{id}/shortlist` (200). @throws KelmahProblem */
export function shortlist(account: Account, applicationId: string): Promise<Application> {
  return ok(
    account.kelmah.api.POST('/api/applications/{id}/shortlist', { params: { path: { id: applicationId } } }),
  )
}

/**
 * `POST /api/applications/{id}/accept` (201) → the new contract. When the answer is lost (a busy
 * job service makes the gateway answer 504 while the accept still completes), the application is
 * read back: if it was accepted, its contract is looked up among the hirer's contracts; if not,
 * the accept is sent once more.
 *
 * @throws KelmahProblem when the accept is refused, or its outcome cannot be found
 */
export async function accept(account: Account, applicationId: string): Promise<Contract> {
  const api = account.kelmah.api
  const path = { id: applicationId }
  // An empty body: one milestone for the whole bid, the job description and cover letter as terms.
  const send = async () =>
    (await ok(api.POST('/api/applications/{id}/accept', { params: { path }, body: {} }))).contract
  try {
    return await send()
  } catch (err) {
    if (!uncertain(err)) throw err
    const deadline = Date.now() + 30_000
    for (;;) {
      await sleep(1_000)
      const app = await ok(api.GET('/api/applications/{id}', { params: { path } }))
      if (app.status === 'accepted') {
        const list = account.kelmah.paginate('/api/contracts', { query: { role: 'hirer', limit: 100 } })
        for await (const c of list) if (c.applicationId === applicationId) return getContract(account, c.id)
      } else if (app.status === 'pending' || app.status === 'shortlisted') {
        return send()
      }
      if (Date.now() > deadline) throw err
    }
  }
}

/**
 * `POST /api/contracts/{id}/sign` (200) → the contract. A lost answer (504) is followed by a second
 * sign; its 409 (already signed) means the first one counted, and the contract is read back.
 *
 * @throws KelmahProblem when signing is refused
 */
export async function sign(account: Account, contractId: string): Promise<Contract> {
  const send = async () =>
    (await ok(account.kelmah.api.POST('/api/contracts/{id}/sign', { params: { path: { id: contractId } } })))
      .contract
  try {
    return await send()
  } catch (err) {
    if (!uncertain(err)) throw err
    await sleep(1_000)
    try {
      return await send()
    } catch (again) {
      if (!refused(again, 409)) throw again
      return getContract(account, contractId)
    }
  }
}

/** `GET /api/contracts/{id}` → the contract (to its two parties). @throws KelmahProblem */
export async function getContract(account: Account, contractId: string): Promise<Contract> {
  return (await ok(account.kelmah.api.GET('/api/contracts/{id}', { params: { path: { id: contractId } } })))
    .contract
}

/**
 * Read the contract until `done(contract)` holds or `waitMs` (milliseconds) is up — for what the
 * job service learns from events (a milestone `funded` or `released`, the contract `completed`).
 *
 * @returns the last contract read, whether or not `done` held (the caller decides what a timeout means)
 * @throws KelmahProblem when a read is refused
 */
export async function pollContract(
  account: Account,
  contractId: string,
  done: (contract: Contract) => boolean,
  waitMs = 15_000,
): Promise<Contract> {
  const deadline = Date.now() + waitMs
  for (let pause = 100; ; pause = Math.min(pause * 2, 500)) {
    const contract = await getContract(account, contractId)
    if (done(contract) || Date.now() > deadline) return contract
    await sleep(pause)
  }
}

/** The milestone `milestoneId` of `contract`, if it has one. */
export function milestoneOf(contract: Contract, milestoneId: string): Milestone | undefined {
  return contract.milestones.find((m) => m.id === milestoneId)
}

/**
 * A milestone step: submit (the worker) or approve (the hirer) → the contract. A lost answer
 * (502/504) is settled by reading the contract back: if the milestone already reached `reached`,
 * the step counted; otherwise it is sent once more.
 */
async function milestoneStep(
  account: Account,
  contractId: string,
  milestoneId: string,
  send: () => Promise<{ contract: Contract }>,
  reached: readonly string[],
): Promise<Contract> {
  try {
    return (await send()).contract
  } catch (err) {
    if (!uncertain(err)) throw err
    await sleep(1_000)
    const contract = await getContract(account, contractId)
    if (reached.includes(milestoneOf(contract, milestoneId)?.status ?? '')) return contract
    return (await send()).contract
  }
}

/**
 * The worker hands in a funded milestone's work: `POST /api/contracts/{id}/milestones/{milestoneId}/submit`
 * `{note?, deliverables?: [http(s) URLs]}` (200; 409 unless the milestone is `funded` or
 * `revision_requested`).
 *
 * @throws KelmahProblem when submitting is refused
 */
export function submitMilestone(
  worker: Account,
  contractId: string,
  milestoneId: string,
  body: BodyOf<'/api/contracts/{id}/milestones/{milestoneId}/submit', 'post'> = {},
): Promise<Contract> {
  const params = { path: { id: contractId, milestoneId } }
  const send = () =>
    ok(worker.kelmah.api.POST('/api/contracts/{id}/milestones/{milestoneId}/submit', { params, body }))
  return milestoneStep(worker, contractId, milestoneId, send, ['submitted', 'approved', 'released'])
}

/**
 * The hirer approves a submitted milestone: `POST /api/contracts/{id}/milestones/{milestoneId}/approve`
 * (200) → `MilestoneApproved`, on which the payment service releases the escrow to the worker's wallet.
 *
 * @throws KelmahProblem when approving is refused
 */
export function approveMilestone(hirer: Account, contractId: string, milestoneId: string): Promise<Contract> {
  const params = { path: { id: contractId, milestoneId } }
  const send = () =>
    ok(hirer.kelmah.api.POST('/api/contracts/{id}/milestones/{milestoneId}/approve', { params }))
  return milestoneStep(hirer, contractId, milestoneId, send, ['approved', 'released'])
}

/** The job categories' slugs (`GET /api/jobs/categories`), or undefined when it is refused. */
export async function listCategories(account: Account): Promise<string[] | undefined> {
  try {
    const { items } = await ok(account.kelmah.api.GET('/api/jobs/categories'))
    const slugs = items.map((c) => c.slug).filter((s) => s.length > 0)
    return slugs.length > 0 ? slugs : undefined
  } catch (err) {
    if (err instanceof KelmahProblem) return undefined
    throw err
  }
}
