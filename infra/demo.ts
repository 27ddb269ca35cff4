/**
 * `npm run demo`: the marketplace story told by two clients of the SDK (`@kelmah/sdk`, each with
 * its own session) through the gateway of a running Kelmah (`npm start`), with the domain events
 * it causes printed as they cross the bus.
 *
 *   1. a hirer and a worker register and verify their e-mail (the code is read from MailDev)
 *   2. both complete their profiles
 *   3. the hirer posts a job
 *   4. the worker finds it by search and among their recommendations (the job service learns the
 *      worker's skills from `ProfileUpdated`), and applies
 *   5. the hirer lists the applications, shortlists and accepts one → a contract
 *   6. both sign → the contract is active and the job in progress
 *   7. both open a WebSocket to the messaging service through the gateway (`/ws?token=…`)
 *   8. the hirer writes to the worker (`chat` frame): `message_delivered` to the hirer,
 *      `new_message` to the worker (latency printed)
 *   9. the worker types (`typing_start` → the hirer sees `user_typing`) and replies in that
 *      conversation (`send_message`)
 *  10. the hirer reads the reply (`mark_read`) → the worker gets `messages_read`
 *  11. the worker lists their conversations (the chat, and the job's conversation opened by
 *      `ApplicationSubmitted`) and notifications (`application_accepted`, `contract_signed`)
 *  12. the hirer funds the contract's milestone (`POST /api/payments/escrow`, Idempotency-Key):
 *      an escrow `pending` on a Stripe PaymentIntent
 *  13. Stripe's `payment_intent.succeeded` — signed by us with `STRIPE_WEBHOOK_SECRET`, since
 *      stripe-mock sends no webhooks — funds the escrow (`EscrowFunded`); the job service marks
 *      the milestone `funded`
 *  14. the worker submits the work, the hirer approves it (`MilestoneApproved`)
 *  15. the payment service releases the escrow: the worker's wallet shows the amount less the
 *      10 % platform fee (`PaymentReleased`), and the contract is `completed` (`ContractCompleted`)
 *  16. the same webhook event delivered again changes nothing (the wallet is unchanged)
 *  17. the worker makes a Stripe Connect payout account and pays out half the wallet: a
 *      `completed` payout with a Stripe Transfer (`PayoutCompleted`)
 *  18. with admin credentials only: the ledger check (`GET /api/payments/ledger/check`) holds
 *  19. the hirer reviews the worker (`POST /api/reviews`, once the review service has consumed
 *      `ContractCompleted`): the review is `awaiting_reveal`
 *  20. double-blind: the worker's public reviews and summary show nothing of it, the worker cannot
 *      open it by id (404), and their pending reviews list the contract with the time left
 *  21. the worker reviews the hirer: both reviews become public at once (`ReviewsRevealed`)
 *  22. the worker's profile (`GET /api/users/:id`) and search result show the new average and
 *      count (`RatingUpdated` → the user service); the worker has `review_requested` and
 *      `reviews_revealed` notifications
 *
 * Environment: `KELMAH_URL` (default http://127.0.0.1:5000), `MAILDEV_URL` (http://127.0.0.1:1080),
 * `AMQP_URL` (amqp://guest:guest@127.0.0.1:5672), `STRIPE_WEBHOOK_SECRET` (default
 * `whsec_kelmah_local`, the payment service's local default), and optionally
 * `KELMAH_ADMIN_EMAIL` + `KELMAH_ADMIN_PASSWORD` (an admin made with `npm run admin:create -w
 * @kelmah/auth`) for step 18. Exits 1 on any unexpected answer.
 * `runDemo()` is the same story for tests.
 */
import { randomBytes } from 'node:crypto'
import { createKelmah, KelmahProblem, KelmahSocketError, ok } from '@kelmah/sdk'
import { logIn, signUp } from './demo/accounts.js'
import { type DemoChat, chatLive } from './demo/chat.js'
import { DemoFailed } from './demo/errors.js'
import { describeEvent, type EventTap, type SeenEvent, tapEvents } from './demo/events.js'
import {
  accept,
  apply,
  type Application,
  type Contract,
  type Job,
  postJob,
  shortlist,
  sign,
  updateProfile,
} from './demo/marketplace.js'
import { type DemoMoney, moneyFlow } from './demo/money.js'
import { pollJobStatus, pollRecommended, sleep } from './demo/polls.js'
import { type DemoReviews, reviewFlow } from './demo/reviews.js'
import { SocketWaitFailed } from './demo/sockets.js'
import { type CallRecord, patientFetch } from './demo/transport.js'
import { isMain } from './paths.js'

export type { DemoChat } from './demo/chat.js'
export type { DemoMoney } from './demo/money.js'
export type { DemoReviews } from './demo/reviews.js'
export { DemoFailed } from './demo/errors.js'

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** The gateway, e.g. `http://127.0.0.1:5000`. */
  baseUrl: string
  /** MailDev's web/REST URL. */
  maildevUrl: string
  /** RabbitMQ, to watch the events. */
  amqpUrl: string
  /** Where the story is told (default stdout). */
  log?: (line: string) => void
  /** Event exchange to watch (default `kelmah.events`). */
  exchange?: string
  /** How long to wait for eventual things (recommendation, job status, events), ms (default 15 000). */
  waitMs?: number
  /** How long to wait for each WebSocket frame (hello, delivery, typing, receipt), ms (default 10 000). */
  frameWaitMs?: number
  /**
   * Whether the job's conversation and the worker's notifications — made by the messaging service
   * from bus events — must show up (default true). A test whose messaging service shares its
   * consumer queues with another running one (which may take those events) turns it off: they
   * are then reported, not required.
   */
  requireEventEffects?: boolean
  /** An admin account (`npm run admin:create -w @kelmah/auth`): when given, the ledger is checked at the end. */
  admin?: { email: string; password: string }
}

/** What the story produced. */
export interface DemoResult {
  hirer: { id: string; email: string }
  worker: { id: string; email: string }
  /** The job as last read (status `in_progress` at the end). */
  job: Job
  application: Application
  /** The contract as signed by both (status `active`); {@link DemoResult.money} has it `completed`. */
  contract: Contract
  /** Whether the worker found the job by search and among their recommendations. */
  foundBySearch: boolean
  recommended: boolean
  /** The events about the demo's users, job, application and contract, in arrival order. */
  events: SeenEvent[]
  /** Steps 7–11. */
  chat: DemoChat
  /** Steps 12–18. */
  money: DemoMoney
  /** Steps 19–22. */
  reviews: DemoReviews
}

/**
 * Tell the story.
 *
 * @throws KelmahProblem when a call is refused (the SDK's problem details)
 * @throws DemoFailed when the story goes wrong: the job not found by search or not recommended
 *   in time, the contract not active, the job not in progress, no `ContractSigned` seen, a chat
 *   frame saying something else than it should, the chat or (see `requireEventEffects`) the job's
 *   conversation or the worker's notifications not listed, the milestone not funded or released
 *   in time, the wallet not the amount less 10 %, the contract not completed, a duplicate webhook
 *   changing the wallet, the payout not completed, the ledger check (with an admin) failing, a
 *   review showing before both reviewed, the reviews not public at once after the second, the
 *   worker's profile or search result not showing the new rating in time
 * @throws SocketWaitFailed when a socket does not greet or a frame does not come within
 *   `frameWaitMs`; KelmahSocketError when the server answers an `error` frame
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`))
  const waitMs = options.waitMs ?? 15_000
  const tag = randomBytes(3).toString('hex')
  const hirerEmail = `demo-hirer-${tag}@demo.kelmah.test`
  const workerEmail = `demo-worker-${tag}@demo.kelmah.test`
  const password = 'Kelmah-demo-2026!'

  // Only events about this story are printed (the bus carries everyone's); an event that names
  // nothing known yet is held back until a later step makes one of its ids known.
  const known = new Set<string>([hirerEmail, workerEmail])
  const relevant: SeenEvent[] = []
  let held: SeenEvent[] = []
  const mentionsKnown = (e: SeenEvent) =>
    Object.values(e.data ?? {}).some((v) =>
      Array.isArray(v) ? v.some((x) => known.has(String(x))) : known.has(String(v)),
    )
  const show = (e: SeenEvent) => {
    relevant.push(e)
    log(`[event ] ${describeEvent(e)}`)
  }
  const onEvent = (e: SeenEvent) => (mentionsKnown(e) ? show(e) : held.push(e))
  const learn = (...ids: Array<string | undefined>) => {
    for (const id of ids) if (id) known.add(id)
    const still: SeenEvent[] = []
    for (const e of held) {
      if (mentionsKnown(e)) show(e)
      else still.push(e)
    }
    held = still.slice(-500)
  }

  // Every person is an SDK client of their own; the transport prints each call.
  const fetchFor = (who: string) =>
    patientFetch({
      onResponse: (r: CallRecord) =>
        log(`[${who.padEnd(6)}] ${r.method} ${r.path} → ${r.status} (${r.ms} ms)`),
      onBackoff: (r: CallRecord, ms: number) =>
        log(
          `[${who.padEnd(6)}] ${r.method} ${r.path} → ${r.status}; retrying in ${(ms / 1000).toFixed(1)} s`,
        ),
    })
  const clientFor = (who: string) => createKelmah({ baseUrl: options.baseUrl, fetch: fetchFor(who) })
  const step = (text: string) => log(`\n[demo  ] ${text}`)
  const note = (text: string) => log(`[demo  ]   ✓ ${text}`)

  let tap: EventTap | undefined
  try {
    tap = await tapEvents({ amqpUrl: options.amqpUrl, exchange: options.exchange, onEvent })
    log(`[demo  ] watching every event on ${options.exchange ?? 'kelmah.events'} (printing this story's)`)

    step('1. A hirer and a worker sign up (code read from MailDev) and sign in')
    const hirer = await signUp(clientFor('hirer'), options.maildevUrl, {
      email: hirerEmail,
      password,
      name: 'Ama Mensah',
      role: 'hirer',
    })
    learn(hirer.id)
    note(`hirer ${hirer.user.name} <${hirerEmail}> id ${hirer.id}, verified: ${hirer.user.emailVerified}`)
    const worker = await signUp(clientFor('worker'), options.maildevUrl, {
      email: workerEmail,
      password,
      name: 'Kofi Boateng',
      role: 'worker',
    })
    learn(worker.id)
    note(
      `worker ${worker.user.name} <${workerEmail}> id ${worker.id}, verified: ${worker.user.emailVerified}`,
    )

    step('2. Both complete their profiles')
    await updateProfile(hirer, {
      headline: 'Founder of a guesthouse in Kumasi',
      bio: 'We run a twelve-room guesthouse and want guests to book online.',
      location: { country: 'GH', city: 'Kumasi' },
      company: { name: `Adinkra Guesthouse ${tag}`, size: '2-10', industry: 'Hospitality' },
    })
    note('hirer profile: headline, bio, location, company')
    const skills = ['react', 'typescript', 'node.js']
    await updateProfile(worker, {
      headline: 'Full-stack developer · React, TypeScript, Node.js',
      // The tag makes the worker findable by search in step 22 among earlier demos' workers.
      bio: `Six years building booking systems and dashboards for small businesses. Demo ${tag}.`,
      skills,
      hourlyRate: { amountMinor: 4_500, currency: 'USD' },
      location: { country: 'GH', city: 'Accra' },
      availability: 'available',
    })
    note(`worker profile: skills ${skills.join(', ')}, $45.00/h, available`)

    step('3. The hirer posts a job')
    const word = `guesthouse${tag}`
    const posted = await postJob(hirer, {
      title: `React booking website for ${word} in Kumasi`,
      description:
        'A booking website for a twelve-room guesthouse: room calendar, online payment, e-mail confirmations, an admin page.',
      category: 'web-development',
      skills,
      budget: { type: 'fixed', amountMinor: 150_000, currency: 'USD' },
      duration: '1_to_3_months',
      experienceLevel: 'intermediate',
    })
    learn(posted.id)
    note(`job ${posted.id} "${posted.title}" is ${posted.status}`)

    step('4. The worker finds the job by search and by recommendation, and applies')
    const search = await ok(worker.kelmah.api.GET('/api/jobs', { params: { query: { q: word } } }))
    const foundBySearch = search.items.some((j) => j.id === posted.id)
    note(
      `search "${word}": ${search.items.length} result(s), the job ${foundBySearch ? 'among them' : 'MISSING'}`,
    )
    if (!foundBySearch) throw new DemoFailed(`GET /api/jobs?q=${word} did not list job ${posted.id}`)
    const recommended = await pollRecommended(worker, posted.id, waitMs)
    if (!recommended) {
      throw new DemoFailed(
        `GET /api/jobs/recommended did not list job ${posted.id} within ${waitMs / 1000} s (is the job service consuming ProfileUpdated?)`,
      )
    }
    note(`recommendations list the job (the job service learned the worker's skills from ProfileUpdated)`)
    const application = await apply(worker, posted.id, {
      coverLetter: 'Hello! I have built three booking sites with React and Node.js; I can start on Monday.',
      bid: { amountMinor: 140_000, currency: 'USD' },
      estimatedDays: 30,
    })
    learn(application.id)
    note(`application ${application.id} is ${application.status}`)

    step('5. The hirer reviews the applications, shortlists and accepts')
    const list = await ok(
      hirer.kelmah.api.GET('/api/jobs/{id}/applications', { params: { path: { id: posted.id } } }),
    )
    note(`${list.items.length} application(s): ${list.items.map((a) => `${a.id} (${a.status})`).join(', ')}`)
    if (!list.items.some((a) => a.id === application.id)) {
      throw new DemoFailed(`GET /api/jobs/${posted.id}/applications did not list ${application.id}`)
    }
    const listed = await shortlist(hirer, application.id)
    note(`application is ${listed.status}`)
    const created = await accept(hirer, application.id)
    learn(created.id)
    note(`contract ${created.id} is ${created.status}`)

    step('6. Both sign the contract')
    const afterHirer = await sign(hirer, created.id)
    note(`hirer signed: contract is ${afterHirer.status}`)
    const contract = await sign(worker, created.id)
    note(`worker signed: contract is ${contract.status}`)
    if (contract.status !== 'active')
      throw new DemoFailed(`the contract is ${contract.status} after both signed, not active`)
    const job = await pollJobStatus(hirer, posted.id, 'in_progress', waitMs)
    note(`job is ${job.status}`)
    if (job.status !== 'in_progress')
      throw new DemoFailed(`the job is ${job.status}, not in_progress, after the contract was signed`)
    await tap
      .waitFor((e) => e.type === 'ContractSigned' && e.data.contractId === created.id, waitMs)
      .catch(() => {
        throw new DemoFailed(`no ContractSigned event for ${created.id} within ${waitMs / 1000} s`)
      })

    const chat = await chatLive({
      hirer,
      worker,
      jobId: posted.id,
      contractId: created.id,
      frameWaitMs: options.frameWaitMs ?? 10_000,
      waitMs,
      requireEventEffects: options.requireEventEffects ?? true,
      log,
      step,
      note,
      learn,
    })
    await tap
      .waitFor((e) => e.type === 'MessageSent' && e.data.messageId === chat.reply.id, waitMs)
      .catch(() => log(`[demo  ]   (no MessageSent event for the reply within ${waitMs / 1000} s)`))

    const admin = options.admin
    const money = await moneyFlow({
      hirer,
      worker,
      stripe: { baseUrl: options.baseUrl, fetch: fetchFor('stripe') },
      ...(admin ? { admin: () => logIn(clientFor('admin'), admin.email, admin.password) } : {}),
      contract,
      waitMs,
      log,
      step,
      note,
      learn,
    })
    const watching = tap
    const reviews = await reviewFlow({
      hirer,
      worker,
      contractId: contract.id,
      searchWord: tag,
      waitMs,
      requireEventEffects: options.requireEventEffects ?? true,
      step,
      note,
      learn,
      revealed: () =>
        watching.waitFor((e) => e.type === 'ReviewsRevealed' && e.data.contractId === contract.id, waitMs),
    })
    // Give trailing events (PayoutCompleted, RatingUpdated) a moment to show.
    await tap
      .waitFor((e) => e.type === 'PayoutCompleted' && e.data.payoutId === money.payout.id, 5_000)
      .catch(() => log(`[demo  ]   (no PayoutCompleted event for the payout within 5 s)`))
    await sleep(500)

    log(
      `\n[demo  ] done: job ${job.id}, contract ${contract.id} signed, funded, released and ${money.contract.status}; ` +
        `chat ${chat.conversationId} delivered in ${chat.latencyMs} ms and read; ` +
        `the worker earned ${money.walletAfterRelease} ${money.amount.currency} (${money.amount.amountMinor} less 10 %) ` +
        `and paid out ${money.payout.amount?.amountMinor ?? money.walletAfterRelease - money.walletAfterPayout}; ` +
        `both reviewed, revealed at once: the worker's profile shows ${reviews.profileRating.average} from ${reviews.profileRating.count} review(s); ${relevant.length} events seen`,
    )
    return {
      hirer: { id: hirer.id, email: hirerEmail },
      worker: { id: worker.id, email: workerEmail },
      job,
      application,
      contract,
      foundBySearch,
      recommended,
      events: [...relevant],
      chat,
      money,
      reviews,
    }
  } finally {
    await tap?.close()
  }
}

if (isMain(import.meta.url)) {
  try {
    await runDemo({
      baseUrl: process.env.KELMAH_URL ?? 'http://127.0.0.1:5000',
      maildevUrl: process.env.MAILDEV_URL ?? 'http://127.0.0.1:1080',
      amqpUrl: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
      ...(process.env.KELMAH_ADMIN_EMAIL && process.env.KELMAH_ADMIN_PASSWORD
        ? { admin: { email: process.env.KELMAH_ADMIN_EMAIL, password: process.env.KELMAH_ADMIN_PASSWORD } }
        : {}),
    })
  } catch (err) {
    if (err instanceof KelmahSocketError || err instanceof SocketWaitFailed) {
      console.error(`\n[demo  ] FAILED (WebSocket): ${err.message}`)
    } else if (err instanceof KelmahProblem) {
      console.error(`\n[demo  ] FAILED: ${err.describe()}`)
    } else {
      console.error(`\n[demo  ] FAILED: ${(err as Error).message}`)
    }
    process.exitCode = 1
  }
}
