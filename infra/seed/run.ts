/**
 * `seed()`: fills a running Kelmah through the gateway's public API only — accounts (register,
 * code from MailDev, verify, sign in), complete profiles, jobs across the categories, applications,
 * shortlists, accepted applications and signed contracts, and for a handful of those contracts the
 * money (each milestone funded, its Stripe webhook delivered signed, submitted and approved, so the
 * payment service releases it to the worker's wallet and the contract completes), and on each
 * completed contract both parties' reviews (so search ranking by rating has data) — with at most
 * `concurrency` sign-ups and 6 job-service requests in flight, each item started as soon as what
 * it needs exists (infra/seed/pipeline.ts), progress lines and a summary.
 */
import { createKelmah, type Kelmah } from '@kelmah/sdk'
import { type Account, signUp } from '../demo/accounts.js'
import {
  accept,
  apply,
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
import { Lane, reportProgress, Stage } from './pipeline.js'
import { PhaseFailed } from './pool.js'
import { RouteTimings } from './timings.js'

/** Most requests in flight to the job service (with `concurrency` at least this). */
const JOB_LANE = 6

/**
 * How long the seed waits for an effect carried by events, ms — the payment service hearing a
 * contract is signed before funding, a milestone `funded` after its webhook, the contract
 * `completed` and the wallet credited after approval, a review allowed, a rating shown: each
 * event leaves its service's outbox behind every event written before it, and a full seed writes
 * thousands (measured: minutes of backlog on a loaded machine; 30 s left the paid contracts
 * uncompleted and their reviews skipped).
 */
const EVENT_WAIT_MS = 180_000

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
  /** Print every route's call count and p50/p95 milliseconds after the summary (default false). */
  timings?: boolean
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
  /** Milliseconds from each phase's first item starting to its last ending (phases overlap), and in all. */
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
  const timings = new RouteTimings()
  const step = async <R>(name: string, run: () => Promise<R>): Promise<R> => {
    const t0 = Date.now()
    try {
      return await run()
    } finally {
      timings.record({ method: 'STEP', path: name, status: 0, ms: Date.now() - t0 })
    }
  }
  // One transport for every simulated user (each has an SDK client of its own, for its session).
  const transport = patientFetch({
    onResponse: timings.record,
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
  const concurrency = options.concurrency ?? 8
  const runTag = `${Date.now().toString(36)}`

  await checkGateway(options.baseUrl)

  // Categories come from the job service once someone is signed in (the route needs a token).
  // Plan the users first (categories only shape workers' skills), with the fallback list.
  const users = options.users ?? 200
  const jobCount = options.jobs ?? 1000
  const seedValue = options.seed ?? 1
  log(
    `[seed] ${options.baseUrl}: ${users} users, ${jobCount} jobs, seed ${seedValue}, ${concurrency} in flight`,
  )
  const firstAccount = await signUpOne(client, options.maildevUrl, `seed-${runTag}-probe@seed.kelmah.test`)
  const categories = (await listCategories(firstAccount)) ?? [...FALLBACK_CATEGORIES]
  log(`[seed] ${categories.length} categories: ${categories.join(', ')}`)
  const plan = makePlan({ users, jobs: jobCount, seed: seedValue, categories, runTag })

  // Every item starts as soon as what it needs exists (infra/seed/pipeline.ts): a job once its
  // hirer is signed in, an application once its job is posted and its worker signed in, a
  // decision once every application of its job is in, the money of a contract once it is active.
  // Lanes bound the requests in flight per service. The job service runs its database commands
  // one at a time (service-kit's pool of one), so more than a few requests in flight only queue
  // there — long enough, past a point, for the gateway to give up with 504; but a few more than
  // one keep its connection busy while the others are in JWT checks, validation and the network
  // (measured: 6 in flight seeded 30 users / 150 jobs in 66–72 s, 3 in flight in 94–104 s).
  // Sign-ups (argon2, mail) gain from the full concurrency and run beside it.
  const accountLane = new Lane(concurrency)
  const jobLane = new Lane(Math.min(concurrency, JOB_LANE))
  const everyone = [...plan.hirers, ...plan.workers].sort((a, b) => a.index - b.index)
  const plannedApps = plan.jobs.reduce((n, j) => n + j.applications.length, 0)
  const decidedCount = plan.jobs.filter((j) => (j.shortlist ?? j.accept) !== undefined).length
  const paidWanted = Math.min(
    options.paid ?? 5,
    plan.jobs.filter((j) => j.accept !== undefined && j.sign === 'both').length,
  )
  const stages = {
    users: new Stage({ name: 'users', total: everyone.length }),
    jobs: new Stage({ name: 'jobs', total: plan.jobs.length }),
    applications: new Stage({ name: 'applications', total: plannedApps }),
    decisions: new Stage({ name: 'decisions', total: decidedCount }),
    payments: new Stage({ name: 'payments', total: paidWanted }),
    reviews: new Stage({ name: 'reviews', total: paidWanted }),
  }
  const stopProgress = reportProgress(Object.values(stages), log)

  // 1. Accounts and profiles: hirers first (their jobs wait for them), then workers.
  const sessionOf = new Map<number, Account>()
  const accountOf = new Map<number, Promise<Account | undefined>>()
  for (const u of [...plan.hirers, ...plan.workers]) {
    accountOf.set(
      u.index,
      accountLane.run(() =>
        stages.users.do(async () => {
          const session = await step('signUp', () =>
            signUp(client(), options.maildevUrl, {
              email: u.email,
              password: u.password,
              name: u.name,
              role: u.role,
            }),
          )
          await step('updateProfile', () => updateProfile(session, u.profile))
          sessionOf.set(u.index, session)
          return session
        }),
      ),
    )
  }
  const hirerAccount = plan.hirers.map((h) => accountOf.get(h.index)!)
  const workerAccount = plan.workers.map((w) => accountOf.get(w.index)!)
  // A hirer whose sign-up failed hands its jobs to another one; a missing worker's applications
  // and decisions depending on a missing application are skipped (not counted as failures again).
  const liveHirers = Promise.all(hirerAccount).then((all) => all.filter((s): s is Account => !!s))

  // 2. Jobs, by their hirers.
  const jobOf = plan.jobs.map(async (j) => {
    const hirer =
      (await hirerAccount[j.hirer]) ?? (await liveHirers).at(j.index % Math.max(1, (await liveHirers).length))
    if (!hirer) return stages.jobs.skip()
    const job = await jobLane.run(() => stages.jobs.do(() => postJob(hirer, j.body)), 1)
    return job ? { job, hirer } : undefined
  })

  // 3. Applications, each once its job and its worker exist.
  const applicationsOf = plan.jobs.map((j) =>
    j.applications.map(async (a) => {
      const [posted, worker] = await Promise.all([jobOf[j.index], workerAccount[a.worker]])
      if (!posted || !worker) return stages.applications.skip()
      return jobLane.run(() => stages.applications.do(() => apply(worker, posted.job.id, a.body)), 2)
    }),
  )

  // 4. Hirers' decisions, each once every application of its job is in (an accept fills the job,
  // and later applications would be refused): shortlist, or accept and sign.
  let shortlisted = 0
  let contracts = 0
  let activeContracts = 0
  type Active = { hirer: Account; worker: Account; contract: Contract; reviews: PlannedJob['reviews'] }
  const decisionOf = plan.jobs.map(async (j): Promise<Active | undefined> => {
    const chosen = j.shortlist ?? j.accept
    if (chosen === undefined) return undefined
    const [posted, apps] = await Promise.all([jobOf[j.index], Promise.all(applicationsOf[j.index]!)])
    const app = apps[chosen]
    const worker = j.accept === undefined ? undefined : await workerAccount[j.applications[j.accept]!.worker]
    if (!posted || !app || (j.accept !== undefined && !worker)) {
      stages.decisions.skip()
      return undefined
    }
    const { hirer } = posted
    return jobLane.run(
      () =>
        stages.decisions.do(async () => {
          if (j.shortlist !== undefined) {
            await shortlist(hirer, app.id)
            shortlisted++
            return undefined
          }
          const contract = await accept(hirer, app.id)
          contracts++
          await sign(hirer, contract.id)
          if (j.sign !== 'both') return undefined
          const signed = await sign(worker!, contract.id)
          if (signed.status !== 'active') return undefined
          activeContracts++
          return { hirer, worker: worker!, contract: signed, reviews: j.reviews }
        }),
      3,
    )
  })

  // 5. Money for the first `paid` active contracts in plan order, each as soon as it is active:
  // every milestone funded, its webhook, submitted, approved; then the contract completed and the
  // worker's wallet non-zero (both by events). 6. Then both parties review each other: the
  // hirer's review, then the worker's (the second reveals both).
  let paidContracts = 0
  let completedContracts = 0
  let reviews = 0
  const paidWorkers = new Set<string>()
  const reviewsOf = new Map<string, { worker: Account; count: number }>()
  const payAndReview = async (paid: Active): Promise<void> => {
    const { hirer, worker, contract } = paid
    const done = await stages.payments.do(async () => {
      await payContract({ baseUrl: options.baseUrl, fetch: transport }, hirer, worker, contract)
      paidContracts++
      const done = await pollContract(hirer, contract.id, (c) => c.status === 'completed', EVENT_WAIT_MS)
      if (done.status === 'completed') completedContracts++
      const currency = contract.milestones[0]?.amount.currency ?? 'USD'
      const wallet = await pollWallet(worker, (w) => availableMinor(w, currency) > 0, EVENT_WAIT_MS)
      if (availableMinor(wallet, currency) > 0) paidWorkers.add(worker.id)
      return done.status === 'completed'
    })
    if (!done) return stages.reviews.skip()
    await stages.reviews.do(async () => {
      const fallback: PlannedReview = {
        rating: 5,
        aspects: { communication: 5, timeliness: 5, professionalism: 5 },
        comment: 'Good work.',
      }
      const ofWorker = paid.reviews?.ofWorker ?? fallback
      const ofHirer = paid.reviews?.ofHirer ?? fallback
      await submitReview(hirer, { contractId: contract.id, ...ofWorker }, { waitMs: EVENT_WAIT_MS })
      reviews++
      await submitReview(worker, { contractId: contract.id, ...ofHirer }, { waitMs: EVENT_WAIT_MS })
      reviews++
      const seen = reviewsOf.get(worker.id) ?? { worker, count: 0 }
      reviewsOf.set(worker.id, { worker, count: seen.count + 1 })
    })
  }
  const money: Promise<void>[] = []
  for (const j of plan.jobs) {
    if (money.length >= paidWanted) break
    if (j.accept === undefined || j.sign !== 'both') continue
    const paid = await decisionOf[j.index]
    if (paid) money.push(payAndReview(paid))
  }
  await Promise.all([...jobOf, ...applicationsOf.flat(), ...decisionOf, ...money])
  stopProgress()
  for (const s of Object.values(stages)) for (const e of s.errors) log(`[seed]   ${s.name} failed: ${e}`)
  if ((await liveHirers).length === 0)
    throw new PhaseFailed('no hirer account could be made; nothing more to seed')
  for (const s of Object.values(stages)) s.check()

  let ratedWorkers = 0
  const viewer = (await liveHirers)[0]!
  for (const { worker, count } of reviewsOf.values()) {
    const rating = await pollProfileRating(viewer, worker.id, count, EVENT_WAIT_MS)
    if (rating.count >= count) ratedWorkers++
  }

  const failures = Object.values(stages).reduce((n, s) => n + s.failed, 0)
  const summary: SeedSummary = {
    hirers: plan.hirers.filter((h) => sessionOf.has(h.index)).length,
    workers: plan.workers.filter((w) => sessionOf.has(w.index)).length,
    profiles: stages.users.ok,
    jobs: stages.jobs.ok,
    applications: stages.applications.ok,
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
      users: stages.users.ms,
      jobs: stages.jobs.ms,
      applications: stages.applications.ms,
      decisions: stages.decisions.ms,
      payments: stages.payments.ms,
      reviews: stages.reviews.ms,
      total: Date.now() - started,
    },
    sample: {
      hirer: plan.hirers.find((h) => sessionOf.has(h.index))?.email,
      worker: plan.workers.find((w) => sessionOf.has(w.index))?.email,
      password: SEED_PASSWORD,
    },
  }
  printSummary(summary, log)
  if (options.timings) {
    log('')
    log(
      '[seed] calls by route (ms from sending to the answer, waits for 429/503 included; STEP = a whole seed step):',
    )
    for (const line of timings.lines()) log(`[seed]   ${line}`)
  }
  return summary
}

/**
 * Fund and release every milestone of an active contract, one after another, through the gateway:
 * the hirer funds it (`POST /api/payments/escrow`, waiting for the payment service to learn the
 * contract is signed), Stripe's `payment_intent.succeeded` is delivered signed (stripe-mock sends
 * none), the job service marks it `funded` (waited for, `EVENT_WAIT_MS`), the worker submits, the hirer
 * approves (the payment service then releases it, asynchronously).
 *
 * @throws KelmahProblem when a call is refused; WebhookRefused when a webhook is
 * @throws Error when a milestone is not funded within `EVENT_WAIT_MS` of its webhook
 */
async function payContract(
  stripe: { baseUrl: string; fetch: typeof fetch },
  hirer: Account,
  worker: Account,
  contract: Contract,
): Promise<void> {
  for (const milestone of contract.milestones) {
    const escrow = await fundMilestone(
      hirer,
      { contractId: contract.id, milestoneId: milestone.id },
      { waitMs: EVENT_WAIT_MS },
    )
    await deliverPaymentSucceeded(stripe.baseUrl, escrow, { fetch: stripe.fetch })
    const funded = await pollContract(
      hirer,
      contract.id,
      (c) => milestoneOf(c, milestone.id)?.status === 'funded',
      EVENT_WAIT_MS,
    )
    if (milestoneOf(funded, milestone.id)?.status !== 'funded')
      throw new Error(
        `milestone ${milestone.id} of contract ${contract.id} not funded ${EVENT_WAIT_MS / 1000} s after its webhook`,
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
