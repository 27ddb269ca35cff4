/**
 * `seed()`: fills a running Kelmah through the gateway's public API only — accounts (register,
 * code from MailDev, verify, sign in), complete profiles, jobs across the categories, applications,
 * shortlists, accepted applications and signed contracts, and for a handful of those contracts the
 * money (each milestone funded, its Stripe webhook delivered signed, submitted and approved, so the
 * payment service releases it to the worker's wallet and the contract completes), and on each
 * completed contract both parties' reviews (so search ranking by rating has data) — with at most
 * `concurrency` requests in flight, progress lines and a summary.
 */
import { createKelmah, type Kelmah } from '@kelmah/sdk'
import { type Account, signUp } from '../demo/accounts.js'
import {
  accept,
  apply,
  type Application,
  approveMilestone,
  type Contract,
  listCategories,
  milestoneOf,
  pollContract,
  postJob,
  shortlist,
  sign,
  submitMilestone,
  updateProfile,
} from '../demo/marketplace.js'
import { availableMinor, deliverPaymentSucceeded, fundMilestone, pollWallet } from '../demo/payments.js'
import { pollProfileRating, submitReview } from '../demo/reviewing.js'
import { patientFetch } from '../demo/transport.js'
import { FALLBACK_CATEGORIES } from './catalogue.js'
import { makePlan, type PlannedJob, type PlannedReview, SEED_PASSWORD } from './plan.js'
import { PhaseFailed, type PhaseResult, runPhase } from './pool.js'

/** Options of {@link seed}. */
export interface SeedOptions {
  /** The gateway, e.g. `http://127.0.0.1:5000`. */
  baseUrl: string
  /** MailDev's web/REST URL, e.g. `http://127.0.0.1:1080`. */
  maildevUrl: string
  /** Accounts to make (default 200). */
  users?: number
  /** Jobs to post (default 1000). */
  jobs?: number
  /** Faker seed (default 1). */
  seed?: number
  /** Requests in flight (default 8). */
  concurrency?: number
  /**
   * Active contracts whose milestones are funded and released (default 5): fund → signed
   * `payment_intent.succeeded` webhook → submit → approve, then the worker's wallet and the
   * completed contract are waited for; then both parties of each completed contract review each
   * other. 0 leaves every contract unfunded (and unreviewed).
   */
  paid?: number
  /** Where progress and the summary go (default stdout). */
  log?: (line: string) => void
}

/** What a seed made. */
export interface SeedSummary {
  hirers: number
  workers: number
  profiles: number
  jobs: number
  applications: number
  shortlisted: number
  contracts: number
  /** Contracts both parties signed (active). */
  activeContracts: number
  /** Contracts whose every milestone was funded, submitted and approved. */
  paidContracts: number
  /** Of those, contracts the job service shows `completed` (every milestone released) in time. */
  completedContracts: number
  /** Distinct workers of those contracts whose wallet shows their earnings (available > 0) in time. */
  paidWorkers: number
  /** Reviews submitted on the completed contracts (two per contract: both parties). */
  reviews: number
  /** Distinct workers whose profile shows all their new reviews (`RatingUpdated` consumed) in time. */
  ratedWorkers: number
  /** Requests that failed (each is also counted out of the numbers above). */
  failures: number
  /** Retries after a wait: 429 Too Many Requests (by `Retry-After`), a gateway 503, a 502/504 on an idempotent call. */
  backoffs: number
  /** Milliseconds per phase, and in all. */
  ms: Record<'users' | 'jobs' | 'applications' | 'decisions' | 'payments' | 'reviews' | 'total', number>
  /** One account of each role to sign in with. */
  sample: { hirer?: string; worker?: string; password: string }
}

/**
 * Seed the running system.
 *
 * @throws PhaseFailed when a phase fails too often (e.g. a service is not running)
 * @throws Error when the gateway cannot be reached
 */
export async function seed(options: SeedOptions): Promise<SeedSummary> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`))
  const started = Date.now()
  let backoffs = 0
  // One transport for every simulated user (each has an SDK client of its own, for its session).
  const transport = patientFetch({
    onBackoff: (record, waitMs) => {
      backoffs++
      if (backoffs === 1 || backoffs % 20 === 0) {
        log(
          `[seed] ${record.status} on ${record.method} ${record.path}: waiting ${(waitMs / 1000).toFixed(1)} s${record.status === 429 ? ' (Retry-After)' : ''} before retrying${backoffs > 1 ? ` — ${backoffs} waits so far` : ''}`,
        )
      }
    },
  })
  const client = (): Kelmah => createKelmah({ baseUrl: options.baseUrl, fetch: transport })
  const phase = { concurrency: options.concurrency ?? 8, log }
  // The job service runs its database commands one at a time (service-kit's pool of one), so
  // more than a few requests in flight only queue there — long enough, on a loaded FerretDB, for
  // the gateway to give up with 504. Sign-ups (argon2, mail) gain from the full concurrency.
  const jobService = { ...phase, concurrency: Math.min(phase.concurrency, 3) }
  const runTag = `${Date.now().toString(36)}`

  await checkGateway(options.baseUrl)
  const reportErrors = <R>(result: PhaseResult<R>): PhaseResult<R> => {
    for (const e of result.errors) log(`[seed]   failed: ${e}`)
    return result
  }

  // Categories come from the job service once someone is signed in (the route needs a token).
  // Plan the users first (categories only shape workers' skills), with the fallback list.
  const users = options.users ?? 200
  const jobCount = options.jobs ?? 1000
  const seedValue = options.seed ?? 1
  log(
    `[seed] ${options.baseUrl}: ${users} users, ${jobCount} jobs, seed ${seedValue}, ${phase.concurrency} in flight`,
  )
  const firstAccount = await signUpOne(client, options.maildevUrl, `seed-${runTag}-probe@seed.kelmah.test`)
  const categories = (await listCategories(firstAccount)) ?? [...FALLBACK_CATEGORIES]
  log(`[seed] ${categories.length} categories: ${categories.join(', ')}`)
  const plan = makePlan({ users, jobs: jobCount, seed: seedValue, categories, runTag })

  // 1. Accounts and profiles.
  const everyone = [...plan.hirers, ...plan.workers].sort((a, b) => a.index - b.index)
  const userPhase = reportErrors(
    await runPhase(
      everyone,
      async (u) => {
        const session = await signUp(client(), options.maildevUrl, {
          email: u.email,
          password: u.password,
          name: u.name,
          role: u.role,
        })
        await updateProfile(session, u.profile)
        return session
      },
      { ...phase, name: 'users' },
    ),
  )
  const sessionOf = new Map<number, Account>()
  everyone.forEach((u, i) => {
    const s = userPhase.results[i]
    if (s) sessionOf.set(u.index, s)
  })
  const hirerAccounts = plan.hirers.map((h) => sessionOf.get(h.index))
  const workerAccounts = plan.workers.map((w) => sessionOf.get(w.index))
  // A hirer whose sign-up failed hands its jobs to another one; a missing worker's applications
  // and decisions depending on a missing application are skipped (not counted as failures again).
  const liveHirers = hirerAccounts.filter((s): s is Account => s !== undefined)
  if (liveHirers.length === 0) throw new PhaseFailed('no hirer account could be made; nothing more to seed')

  // 2. Jobs, by their hirers.
  const jobPhase = reportErrors(
    await runPhase(
      plan.jobs,
      async (j) => {
        const hirer = hirerAccounts[j.hirer] ?? liveHirers[j.index % liveHirers.length]!
        return postJob(hirer, j.body)
      },
      { ...jobService, name: 'jobs' },
    ),
  )

  // 3. Applications.
  const planned = plan.jobs
    .flatMap((j) => j.applications.map((a, n) => ({ job: j, n, app: a })))
    .filter(({ job, app }) => jobPhase.results[job.index] && workerAccounts[app.worker])
  const appPhase = reportErrors(
    await runPhase(
      planned,
      async ({ job, app }) => {
        return apply(workerAccounts[app.worker]!, jobPhase.results[job.index]!.id, app.body)
      },
      { ...jobService, name: 'applications' },
    ),
  )
  const applicationsOf = new Map<number, Array<Application | undefined>>()
  planned.forEach(({ job, n }, i) => {
    const list = applicationsOf.get(job.index) ?? []
    list[n] = appPhase.results[i]
    applicationsOf.set(job.index, list)
  })

  // 4. Hirers' decisions: shortlist, or accept and sign.
  const decided = plan.jobs.filter((j) => {
    const chosen = j.shortlist ?? j.accept
    if (chosen === undefined || !applicationsOf.get(j.index)?.[chosen]) return false
    return j.accept === undefined || workerAccounts[j.applications[j.accept]!.worker] !== undefined
  })
  let shortlisted = 0
  let contracts = 0
  let activeContracts = 0
  const active: Array<{
    hirer: Account
    worker: Account
    contract: Contract
    reviews: PlannedJob['reviews']
  }> = []
  const decisionPhase = reportErrors(
    await runPhase(
      decided,
      async (j: PlannedJob) => {
        const hirer = hirerAccounts[j.hirer] ?? liveHirers[j.index % liveHirers.length]!
        const apps = applicationsOf.get(j.index)!
        if (j.shortlist !== undefined) {
          await shortlist(hirer, apps[j.shortlist]!.id)
          shortlisted++
          return
        }
        const app = apps[j.accept!]!
        const worker = workerAccounts[j.applications[j.accept!]!.worker]!
        const contract = await accept(hirer, app.id)
        contracts++
        await sign(hirer, contract.id)
        if (j.sign === 'both') {
          const signed = await sign(worker, contract.id)
          if (signed.status === 'active') {
            activeContracts++
            active.push({ hirer, worker, contract: signed, reviews: j.reviews })
          }
        }
      },
      { ...jobService, name: 'decisions' },
    ),
  )

  // 5. Money for a handful of active contracts: every milestone funded, its webhook, submitted,
  // approved; then the contract completed and the worker's wallet non-zero (both by events).
  const toPay = active.slice(0, options.paid ?? 5)
  let paidContracts = 0
  let completedContracts = 0
  const paidWorkers = new Set<string>()
  const completed: typeof active = []
  const paymentPhase = reportErrors(
    await runPhase(
      toPay,
      async (paid) => {
        const { hirer, worker, contract } = paid
        await payContract({ baseUrl: options.baseUrl, fetch: transport }, hirer, worker, contract)
        paidContracts++
        const done = await pollContract(hirer, contract.id, (c) => c.status === 'completed', 30_000)
        if (done.status === 'completed') {
          completedContracts++
          completed.push(paid)
        }
        const currency = contract.milestones[0]?.amount.currency ?? 'USD'
        const wallet = await pollWallet(worker, (w) => availableMinor(w, currency) > 0, 30_000)
        if (availableMinor(wallet, currency) > 0) paidWorkers.add(worker.id)
      },
      { ...jobService, name: 'payments' },
    ),
  )

  // 6. Reviews on every completed contract: the hirer's, then the worker's (the second reveals
  // both); then each reviewed worker's profile is read until it counts their new reviews.
  let reviews = 0
  const reviewsOf = new Map<string, { worker: Account; count: number }>()
  const reviewPhase = reportErrors(
    await runPhase(
      completed,
      async ({ hirer, worker, contract, reviews: planned }) => {
        const fallback: PlannedReview = {
          rating: 5,
          aspects: { communication: 5, timeliness: 5, professionalism: 5 },
          comment: 'Good work.',
        }
        const ofWorker = planned?.ofWorker ?? fallback
        const ofHirer = planned?.ofHirer ?? fallback
        await submitReview(hirer, { contractId: contract.id, ...ofWorker }, { waitMs: 30_000 })
        reviews++
        await submitReview(worker, { contractId: contract.id, ...ofHirer }, { waitMs: 30_000 })
        reviews++
        const seen = reviewsOf.get(worker.id) ?? { worker, count: 0 }
        reviewsOf.set(worker.id, { worker, count: seen.count + 1 })
      },
      { ...phase, name: 'reviews' },
    ),
  )
  let ratedWorkers = 0
  const viewer = liveHirers[0]!
  for (const { worker, count } of reviewsOf.values()) {
    const rating = await pollProfileRating(viewer, worker.id, count, 30_000)
    if (rating.count >= count) ratedWorkers++
  }

  const failures =
    userPhase.failed +
    jobPhase.failed +
    appPhase.failed +
    decisionPhase.failed +
    paymentPhase.failed +
    reviewPhase.failed
  const summary: SeedSummary = {
    hirers: hirerAccounts.filter(Boolean).length,
    workers: workerAccounts.filter(Boolean).length,
    profiles: userPhase.ok,
    jobs: jobPhase.ok,
    applications: appPhase.ok,
    shortlisted,
    contracts,
    activeContracts,
    paidContracts,
    completedContracts,
    paidWorkers: paidWorkers.size,
    reviews,
    ratedWorkers,
    failures,
    backoffs,
    ms: {
      users: userPhase.ms,
      jobs: jobPhase.ms,
      applications: appPhase.ms,
      decisions: decisionPhase.ms,
      payments: paymentPhase.ms,
      reviews: reviewPhase.ms,
      total: Date.now() - started,
    },
    sample: {
      hirer: plan.hirers.find((h) => sessionOf.has(h.index))?.email,
      worker: plan.workers.find((w) => sessionOf.has(w.index))?.email,
      password: SEED_PASSWORD,
    },
  }
  printSummary(summary, log)
  return summary
}

/**
 * Fund and release every milestone of an active contract, one after another, through the gateway:
 * the hirer funds it (`POST /api/payments/escrow`, waiting for the payment service to learn the
 * contract is signed), Stripe's `payment_intent.succeeded` is delivered signed (stripe-mock sends
 * none), the job service marks it `funded` (waited for, 30 s), the worker submits, the hirer
 * approves (the payment service then releases it, asynchronously).
 *
 * @throws KelmahProblem when a call is refused; WebhookRefused when a webhook is
 * @throws Error when a milestone is not funded within 30 s of its webhook
 */
async function payContract(
  stripe: { baseUrl: string; fetch: typeof fetch },
  hirer: Account,
  worker: Account,
  contract: Contract,
): Promise<void> {
  for (const milestone of contract.milestones) {
    const escrow = await fundMilestone(hirer, { contractId: contract.id, milestoneId: milestone.id })
    await deliverPaymentSucceeded(stripe.baseUrl, escrow, { fetch: stripe.fetch })
    const funded = await pollContract(
      hirer,
      contract.id,
      (c) => milestoneOf(c, milestone.id)?.status === 'funded',
      30_000,
    )
    if (milestoneOf(funded, milestone.id)?.status !== 'funded')
      throw new Error(
        `milestone ${milestone.id} of contract ${contract.id} not funded 30 s after its webhook`,
      )
    await submitMilestone(worker, contract.id, milestone.id, {
      note: 'Done as agreed; the files are linked.',
      deliverables: ['https://example.com/delivery'],
    })
    await approveMilestone(hirer, contract.id, milestone.id)
  }
}

/** One extra worker account, used to ask the job service for its categories. */
async function signUpOne(client: () => Kelmah, maildevUrl: string, email: string): Promise<Account> {
  return signUp(client(), maildevUrl, { email, password: SEED_PASSWORD, name: 'Seed Probe', role: 'worker' })
}

/** @throws Error naming the URL and `npm start` when the gateway does not answer */
async function checkGateway(baseUrl: string): Promise<void> {
  try {
    const res = await fetch(`${baseUrl.replace(/\/+$/, '')}/health/live`, {
      signal: AbortSignal.timeout(3_000),
    })
    await res.arrayBuffer()
    if (!res.ok) throw new Error(`answered ${res.status}`)
  } catch (err) {
    throw new Error(
      `Kelmah's gateway does not answer at ${baseUrl} (${(err as Error).message}); start it with \`npm start\` or set KELMAH_URL`,
      { cause: err },
    )
  }
}

function printSummary(s: SeedSummary, log: (line: string) => void): void {
  const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`
  log('')
  log(`[seed] done in ${sec(s.ms.total)}`)
  log(
    `[seed]   users         ${s.hirers + s.workers} (${s.hirers} hirers, ${s.workers} workers) with profiles — ${sec(s.ms.users)}`,
  )
  log(`[seed]   jobs          ${s.jobs} — ${sec(s.ms.jobs)}`)
  log(`[seed]   applications  ${s.applications} — ${sec(s.ms.applications)}`)
  log(
    `[seed]   decisions     ${s.shortlisted} shortlisted, ${s.contracts} accepted → contracts, ${s.activeContracts} signed by both (active) — ${sec(s.ms.decisions)}`,
  )
  log(
    `[seed]   payments      ${s.paidContracts} contracts funded by webhook and approved, ${s.completedContracts} completed, ${s.paidWorkers} workers' wallets credited — ${sec(s.ms.payments)}`,
  )
  log(
    `[seed]   reviews       ${s.reviews} on the completed contracts (both parties), ${s.ratedWorkers} workers' profiles show their new rating — ${sec(s.ms.reviews)}`,
  )
  log(`[seed]   failures      ${s.failures}; retries after a wait (429/503/504) ${s.backoffs}`)
  if (s.sample.hirer)
    log(
      `[seed] sign in as hirer ${s.sample.hirer} or worker ${s.sample.worker} with password ${s.sample.password}`,
    )
}
