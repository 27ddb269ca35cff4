/**
 * The marketplace calls the seed and the demo make, in one place: profiles (user service), jobs,
 * applications and contracts (job service), all through the gateway as a signed-in user. Each
 * returns the resource the service answered with (`{job}` / `{application}` / `{contract}`
 * envelopes are unwrapped).
 */
import type { Session } from './accounts.js'
import { UnexpectedStatus } from './client.js'

/** The fields of a job read here. */
export interface Job {
  id: string
  title: string
  status: string
  hirerId?: string
  skills?: string[]
  category?: string
}

/** The fields of an application read here. */
export interface Application {
  id: string
  jobId: string
  workerId: string
  status: string
}

/** Money as every service speaks it: integer minor units (cents for USD) and an ISO 4217 code. */
export interface Money {
  amountMinor: number
  currency: string
}

/**
 * The fields of a milestone read here. `status`: `pending` → `funded` (the payment service's
 * `EscrowFunded`) → `submitted` → `approved` → `released` (`PaymentReleased`); also
 * `revision_requested`, `disputed`, `refunded` (services/job/src/domain/milestone.ts).
 */
export interface Milestone {
  id: string
  title: string
  amount: Money
  status: string
  /** The fee the payment service kept on release (`PaymentReleased`), else null. */
  platformFee?: Money | null
}

/** The fields of a contract read here. */
export interface Contract {
  id: string
  jobId: string
  /** `pending_signatures` → `active` (both signed) → `completed` (every milestone released) or `cancelled`. */
  status: string
  hirerId?: string
  workerId?: string
  signedBy?: unknown
  total?: Money
  milestones?: Milestone[]
}

/** `{items, nextCursor}`. */
export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** `body[key]` when the answer is an envelope `{key: …}`, else the body itself. */
export function unwrap<T>(body: unknown, key: string): T {
  const envelope = body as Record<string, unknown> | undefined
  return (envelope && typeof envelope === 'object' && key in envelope ? envelope[key] : body) as T
}

/**
 * `PATCH /api/users/me`. The user service makes the profile when it consumes `UserRegistered`,
 * a moment after registration: a 404 before that is waited out (up to `waitMs`).
 *
 * @throws UnexpectedStatus for any other status, or 404 after `waitMs`
 */
export async function updateProfile(
  session: Session,
  body: Record<string, unknown>,
  waitMs = 15_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + waitMs
  for (let pause = 100; ; pause = Math.min(pause * 2, 1_000)) {
    try {
      const res = await session.call('PATCH', '/api/users/me', { body, expect: [200] })
      return unwrap<Record<string, unknown>>(res.body, 'profile')
    } catch (err) {
      if (!(err instanceof UnexpectedStatus) || err.status !== 404 || Date.now() > deadline) throw err
      await sleep(pause)
    }
  }
}

/**
 * `POST /api/jobs` (201), then `POST /api/jobs/:id/publish` when the service made a draft.
 *
 * @throws UnexpectedStatus when a step fails
 */
export async function postJob(session: Session, body: Record<string, unknown>): Promise<Job> {
  const res = await session.call('POST', '/api/jobs', { body, expect: [201] })
  let job = unwrap<Job>(res.body, 'job')
  if (job.status === 'draft') {
    const published = await session.call('POST', `/api/jobs/${job.id}/publish`, { expect: [200] })
    job = unwrap<Job>(published.body, 'job')
  }
  return job
}

/** A 5xx after which the request may or may not have taken effect (the gateway gave up waiting). */
function uncertain(err: unknown): err is UnexpectedStatus {
  return err instanceof UnexpectedStatus && (err.status === 504 || err.status === 502 || err.status === 500)
}

/**
 * `POST /api/jobs/:id/applications` (201). A lost answer (504) is followed by a second try; its
 * 409 (one application per worker and job) means the first counted, and the application is found
 * among the worker's own (`GET /api/applications/mine`).
 *
 * @throws UnexpectedStatus when applying fails
 */
export async function apply(
  session: Session,
  jobId: string,
  body: Record<string, unknown>,
): Promise<Application> {
  try {
    const res = await session.call('POST', `/api/jobs/${jobId}/applications`, { body, expect: [201] })
    return unwrap<Application>(res.body, 'application')
  } catch (err) {
    if (!uncertain(err)) throw err
    await sleep(1_000)
    const again = await session.call('POST', `/api/jobs/${jobId}/applications`, { body, expect: [201, 409] })
    if (again.status === 201) return unwrap<Application>(again.body, 'application')
    const mine = await session.call<Page<Application>>('GET', '/api/applications/mine?limit=100', {
      expect: [200],
    })
    const found = mine.body.items.find((a) => a.jobId === jobId)
    if (!found) throw err
    return found
  }
}

/** `POST /api/applications/:id/shortlist` (200). @throws UnexpectedStatus */
export async function shortlist(session: Session, applicationId: string): Promise<Application> {
  const res = await session.call('POST', `/api/applications/${applicationId}/shortlist`, { expect: [200] })
  return unwrap<Application>(res.body, 'application')
}

/**
 * `POST /api/applications/:id/accept` (201) → the new contract. When the answer is lost (a busy
 * job service makes the gateway answer 504 while the accept still completes), the application is
 * read back: if it was accepted, its contract is looked up among the hirer's contracts; if not,
 * the accept is sent once more.
 *
 * @throws UnexpectedStatus when the accept fails, or its outcome cannot be found
 */
export async function accept(session: Session, applicationId: string): Promise<Contract> {
  // An empty body: one milestone for the whole bid, the job description and cover letter as terms.
  const send = async () => {
    const res = await session.call('POST', `/api/applications/${applicationId}/accept`, {
      body: {},
      expect: [200, 201],
    })
    return unwrap<Contract>(res.body, 'contract')
  }
  try {
    return await send()
  } catch (err) {
    if (!uncertain(err)) throw err
    const deadline = Date.now() + 30_000
    for (;;) {
      await sleep(1_000)
      const app = unwrap<Application>(
        (await session.call('GET', `/api/applications/${applicationId}`, { expect: [200] })).body,
        'application',
      )
      if (app.status === 'accepted') {
        const list = await session.call<Page<Contract & { applicationId?: string }>>(
          'GET',
          '/api/contracts?role=hirer&limit=100',
          {
            expect: [200],
          },
        )
        const found = list.body.items.find((c) => c.applicationId === applicationId)
        if (found) return found
      } else if (app.status === 'pending' || app.status === 'shortlisted') {
        return send()
      }
      if (Date.now() > deadline) throw err
    }
  }
}

/**
 * `POST /api/contracts/:id/sign` (200) → the contract. A lost answer (504) is followed by a second
 * sign; its 409 (already signed) means the first one counted, and the contract is read back.
 *
 * @throws UnexpectedStatus when signing fails
 */
export async function sign(session: Session, contractId: string): Promise<Contract> {
  try {
    const res = await session.call('POST', `/api/contracts/${contractId}/sign`, { expect: [200] })
    return unwrap<Contract>(res.body, 'contract')
  } catch (err) {
    if (!uncertain(err)) throw err
    await sleep(1_000)
    const again = await session.call('POST', `/api/contracts/${contractId}/sign`, { expect: [200, 409] })
    if (again.status === 200) return unwrap<Contract>(again.body, 'contract')
    const res = await session.call('GET', `/api/contracts/${contractId}`, { expect: [200] })
    return unwrap<Contract>(res.body, 'contract')
  }
}

/** `GET /api/contracts/:id` → the contract (to its two parties). @throws UnexpectedStatus unless 200 */
export async function getContract(session: Session, contractId: string): Promise<Contract> {
  const res = await session.call('GET', `/api/contracts/${contractId}`, { expect: [200] })
  return unwrap<Contract>(res.body, 'contract')
}

/**
 * Read the contract until `done(contract)` holds or `waitMs` (milliseconds) is up — for what the
 * job service learns from events (a milestone `funded` or `released`, the contract `completed`).
 *
 * @returns the last contract read, whether or not `done` held (the caller decides what a timeout means)
 * @throws UnexpectedStatus when a read fails
 */
export async function pollContract(
  session: Session,
  contractId: string,
  done: (contract: Contract) => boolean,
  waitMs = 15_000,
): Promise<Contract> {
  const deadline = Date.now() + waitMs
  for (let pause = 100; ; pause = Math.min(pause * 2, 500)) {
    const contract = await getContract(session, contractId)
    if (done(contract) || Date.now() > deadline) return contract
    await sleep(pause)
  }
}

/** The milestone `milestoneId` of `contract`, if it has one. */
export function milestoneOf(contract: Contract, milestoneId: string): Milestone | undefined {
  return contract.milestones?.find((m) => m.id === milestoneId)
}

/**
 * A milestone step of the job service: `POST /api/contracts/:id/milestones/:mid/<step>` (200) →
 * the contract. A lost answer (502/504) is settled by reading the contract back: if the milestone
 * already reached `reached`, the step counted; otherwise it is sent once more.
 */
async function milestoneStep(
  session: Session,
  contractId: string,
  milestoneId: string,
  step: 'submit' | 'approve',
  reached: readonly string[],
  body?: Record<string, unknown>,
): Promise<Contract> {
  const send = async () => {
    const res = await session.call('POST', `/api/contracts/${contractId}/milestones/${milestoneId}/${step}`, {
      ...(body ? { body } : {}),
      expect: [200],
    })
    return unwrap<Contract>(res.body, 'contract')
  }
  try {
    return await send()
  } catch (err) {
    if (!uncertain(err)) throw err
    await sleep(1_000)
    const contract = await getContract(session, contractId)
    if (reached.includes(milestoneOf(contract, milestoneId)?.status ?? '')) return contract
    return send()
  }
}

/**
 * The worker hands in a funded milestone's work: `POST /api/contracts/:id/milestones/:mid/submit`
 * `{note?, deliverables?: [http(s) URLs]}` (200; 409 unless the milestone is `funded` or
 * `revision_requested`).
 *
 * @throws UnexpectedStatus when submitting fails
 */
export function submitMilestone(
  worker: Session,
  contractId: string,
  milestoneId: string,
  body: { note?: string; deliverables?: string[] } = {},
): Promise<Contract> {
  return milestoneStep(worker, contractId, milestoneId, 'submit', ['submitted', 'approved', 'released'], body)
}

/**
 * The hirer approves a submitted milestone: `POST /api/contracts/:id/milestones/:mid/approve` (200)
 * → `MilestoneApproved`, on which the payment service releases the escrow to the worker's wallet.
 *
 * @throws UnexpectedStatus when approving fails
 */
export function approveMilestone(hirer: Session, contractId: string, milestoneId: string): Promise<Contract> {
  return milestoneStep(hirer, contractId, milestoneId, 'approve', ['approved', 'released'])
}

/**
 * The job categories the job service offers (`GET /api/jobs/categories`: a list of slugs or of
 * `{slug}` objects, bare or under `items`/`categories`), or undefined when it does not answer 200.
 */
export async function listCategories(session: Session): Promise<string[] | undefined> {
  try {
    const res = await session.call('GET', '/api/jobs/categories', { expect: [200] })
    const body = res.body
    const list = Array.isArray(body)
      ? body
      : ((body as { items?: unknown[]; categories?: unknown[] }).items ??
        (body as { categories?: unknown[] }).categories)
    if (!Array.isArray(list)) return undefined
    const slugs = list
      .map((c) =>
        typeof c === 'string' ? c : ((c as { slug?: string; id?: string }).slug ?? (c as { id?: string }).id),
      )
      .filter((s): s is string => typeof s === 'string' && s.length > 0)
    return slugs.length > 0 ? slugs : undefined
  } catch (err) {
    if (err instanceof UnexpectedStatus) return undefined
    throw err
  }
}
