import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Stripe from 'stripe'
import t, { type Test } from 'tap'
import { createKelmah, KelmahProblem, ok } from '@kelmah/sdk'
import { Account } from '../demo/accounts.js'
import { deliverPaymentSucceeded, fundMilestone, platformFeeMinor, WebhookRefused } from '../demo/payments.js'
import { patientFetch } from '../demo/transport.js'
import { seedArgs } from '../seed.js'
import { FALLBACK_CATEGORIES } from '../seed/catalogue.js'
import { makePlan } from '../seed/plan.js'
import { Lane, Stage } from '../seed/pipeline.js'
import { PhaseFailed, runPhase } from '../seed/pool.js'
import { routeOf } from '../seed/timings.js'

const categories = [...FALLBACK_CATEGORIES]

t.test('makePlan', async (t) => {
  t.test('makes the same text from the same seed, whatever the run tag', async (t) => {
    const a = makePlan({ users: 40, jobs: 100, seed: 7, categories, runTag: 'a' })
    const b = makePlan({ users: 40, jobs: 100, seed: 7, categories, runTag: 'b' })
    const strip = (p: typeof a) => JSON.stringify(p).replace(/seed-[ab]-/g, 'seed-x-')
    t.equal(strip(a), strip(b))
    t.not(a.hirers[0]!.email, b.hirers[0]!.email, 'e-mails differ per run')
    const c = makePlan({ users: 40, jobs: 100, seed: 8, categories, runTag: 'a' })
    t.not(JSON.stringify(c.jobs[0]!.body), JSON.stringify(a.jobs[0]!.body), 'another seed, other text')
  })

  t.test('mixes hirers and workers and spreads jobs over real categories', async (t) => {
    const plan = makePlan({ users: 200, jobs: 1000, seed: 1, categories, runTag: 'x' })
    t.equal(plan.hirers.length + plan.workers.length, 200)
    t.equal(plan.hirers.length, 50, 'a quarter hirers')
    t.equal(plan.jobs.length, 1000)
    t.ok(plan.jobs.every((j) => categories.includes(j.body.category as (typeof categories)[number])))
    t.ok(new Set(plan.jobs.map((j) => j.body.category)).size >= 10, 'many categories used')
    t.ok(plan.jobs.every((j) => j.hirer >= 0 && j.hirer < plan.hirers.length))
    const apps = plan.jobs.reduce((n, j) => n + j.applications.length, 0)
    t.ok(apps > 1500, `${apps} applications planned`)
    t.ok(plan.jobs.some((j) => j.accept !== undefined) && plan.jobs.some((j) => j.shortlist !== undefined))
    t.ok(
      plan.jobs.every((j) => new Set(j.applications.map((a) => a.worker)).size === j.applications.length),
      'one application per worker and job',
    )
    const worker = plan.workers[0]!
    t.match(worker.profile, {
      headline: String,
      bio: String,
      skills: Array,
      hourlyRate: { currency: 'USD' },
      availability: String,
    })
    t.match(plan.hirers[0]!.profile, { company: { name: String } })
    t.notOk('skills' in plan.hirers[0]!.profile, 'hirers have no worker-only fields')
  })

  t.test("plans both parties' reviews for every accepted application, 3–5 stars", async (t) => {
    const plan = makePlan({ users: 200, jobs: 1000, seed: 1, categories, runTag: 'x' })
    const accepted = plan.jobs.filter((j) => j.accept !== undefined)
    t.ok(accepted.length > 50, `${accepted.length} accepted`)
    t.ok(
      accepted.every((j) => j.reviews),
      'each has its two reviews',
    )
    const all = accepted.flatMap((j) => [j.reviews!.ofWorker, j.reviews!.ofHirer])
    t.ok(all.every((r) => Number.isInteger(r.rating) && r.rating >= 3 && r.rating <= 5))
    t.ok(
      all.every((r) => Object.values(r.aspects).every((a) => Number.isInteger(a) && a >= 1 && a <= 5)),
      'aspects are integers 1–5',
    )
    t.ok(all.every((r) => r.comment.length > 0 && r.comment.length <= 2000))
    t.ok(new Set(all.map((r) => r.rating)).size >= 2, 'the ratings differ, so ranking by rating has data')
    t.notOk(
      accepted.some((j) => 'quality' in j.reviews!.ofHirer.aspects),
      'a hirer is not rated on quality',
    )
    t.equal(plan.jobs.filter((j) => j.reviews).length, accepted.length, 'no reviews without a contract')
  })

  t.test('refuses fewer than two users', async (t) => {
    t.throws(() => makePlan({ users: 1, jobs: 1, seed: 1, categories, runTag: 'x' }), RangeError)
  })
})

t.test('runPhase', async (t) => {
  t.test('keeps at most `concurrency` tasks in flight and returns results by index', async (t) => {
    let inFlight = 0
    let most = 0
    const { results, ok } = await runPhase(
      Array.from({ length: 30 }, (_, i) => i),
      async (i) => {
        most = Math.max(most, ++inFlight)
        await new Promise((r) => setTimeout(r, 2))
        inFlight--
        return i * 2
      },
      { name: 'x', concurrency: 4, log: () => undefined },
    )
    t.equal(most, 4)
    t.equal(ok, 30)
    t.same(results.slice(0, 3), [0, 2, 4])
  })

  t.test('counts a few failures and gives up when they pile up', async (t) => {
    const few = await runPhase([1, 2, 3, 4], async (i) => (i === 2 ? Promise.reject(new Error('boom')) : i), {
      name: 'x',
      log: () => undefined,
    })
    t.equal(few.failed, 1)
    t.same(few.errors, ['boom'])
    await t.rejects(
      runPhase(Array.from({ length: 50 }), async () => Promise.reject(new Error('down')), {
        name: 'x',
        maxFailures: 3,
        log: () => undefined,
      }),
      PhaseFailed,
    )
  })
})

t.test('Lane keeps at most its limit in flight and serves the higher priority first', async (t) => {
  const lane = new Lane(1)
  const order: string[] = []
  let release!: () => void
  const first = lane.run(() => new Promise<void>((r) => (release = r)))
  const low = lane.run(async () => void order.push('low'), 1)
  const high = lane.run(async () => void order.push('high'), 3)
  release()
  await Promise.all([first, low, high])
  t.same(order, ['high', 'low'])
})

t.test('Stage counts failures, keeps going, and gives up past its budget', async (t) => {
  const stage = new Stage({ name: 'x', total: 10, maxFailures: 1 })
  t.equal(await stage.do(async () => 1), 1)
  t.equal(await stage.do(() => Promise.reject(new Error('boom'))), undefined)
  t.doesNotThrow(() => stage.check())
  await stage.do(() => Promise.reject(new Error('again')))
  t.equal(await stage.do(async () => 2), undefined, 'starts nothing once it gave up')
  t.throws(() => stage.check(), PhaseFailed)
  t.match(stage, { ok: 1, failed: 2, skipped: 1, errors: ['boom', 'again'] })
})

t.test('routeOf names a route without its ids and query', async (t) => {
  t.equal(routeOf('/api/jobs/6b115a3192d955bddc5bbe8a/applications?limit=5'), '/api/jobs/:id/applications')
  t.equal(routeOf('/api/jobs/categories'), '/api/jobs/categories')
})

t.test("the seed's SDK transport waits out a 429 for its Retry-After, then returns the answer", async (t) => {
  let hits = 0
  const server = http.createServer((req, res) => {
    hits++
    if (hits === 1) {
      res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/problem+json' })
      return res.end(JSON.stringify({ title: 'Too Many Requests', status: 429 }))
    }
    if (req.url?.startsWith('/api/jobs/missing')) {
      res.writeHead(404, { 'content-type': 'application/problem+json' })
      return res.end(
        JSON.stringify({ title: 'Not Found', status: 404, code: 'JOB_ERR_NOT_FOUND', detail: 'no such job' }),
      )
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ items: [{ slug: 'web-development', label: 'Web development' }] }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  const waits: number[] = []
  const kelmah = createKelmah({
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fetch: patientFetch({ onBackoff: (_r, ms) => waits.push(ms) }),
  })
  const started = Date.now()
  const categories = await ok(kelmah.api.GET('/api/jobs/categories'))
  t.same(
    categories.items.map((c) => c.slug),
    ['web-development'],
  )
  t.equal(waits.length, 1)
  t.ok(Date.now() - started >= 1_000, 'waited a second')
  const err = await kelmah.api
    .GET('/api/jobs/{id}', { params: { path: { id: 'missing' } } })
    .catch((e: unknown) => e)
  t.ok(err instanceof KelmahProblem, 'another status is the SDK problem')
  t.match(err, { status: 404, code: 'JOB_ERR_NOT_FOUND', method: 'GET', path: '/api/jobs/missing' })
  t.match((err as KelmahProblem).describe(), /GET \/api\/jobs\/missing → 404 JOB_ERR_NOT_FOUND: no such job/)
})

t.test('seedArgs reads the flags and names a bad one', async (t) => {
  t.same(seedArgs([]), { users: 200, jobs: 1000, seed: 1, concurrency: 8, paid: 5, timings: false })
  t.same(seedArgs(['--users=20', '--jobs=5', '--seed=3', '--concurrency=2', '--paid=0', '--timings']), {
    users: 20,
    jobs: 5,
    seed: 3,
    concurrency: 2,
    paid: 0,
    timings: true,
  })
  t.throws(() => seedArgs(['--users=1']), /--users must be an integer ≥ 2/)
  t.throws(() => seedArgs(['--paid=-1']), /--paid must be an integer ≥ 0/)
  t.throws(() => seedArgs(['--colour=red']))
})

/** A local HTTP server answering with `handle`; its base URL. */
async function fakeApi(
  t: Test,
  handle: (req: http.IncomingMessage, body: string) => { status: number; body: unknown },
): Promise<string> {
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      const answer = handle(req, body)
      res.writeHead(answer.status, {
        'content-type': answer.status >= 400 ? 'application/problem+json' : 'application/json',
      })
      res.end(JSON.stringify(answer.body))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** A hirer signed in to the fake API at `baseUrl` (a session the SDK is given, as from storage). */
const hirerAt = (baseUrl: string) =>
  new Account(
    createKelmah({
      baseUrl,
      session: {
        accessToken: 'token',
        refreshToken: 'refresh',
        user: { id: 'h1', email: 'h@x.test', name: 'H', role: 'hirer', emailVerified: true },
      } as never,
    }),
  )

t.test('fundMilestone', async (t) => {
  t.test('waits out "contract not known / not active yet" with one Idempotency-Key', async (t) => {
    const keys: string[] = []
    const url = await fakeApi(t, (req, body) => {
      keys.push(String(req.headers['idempotency-key']))
      if (keys.length === 1)
        return {
          status: 404,
          body: { status: 404, code: 'PAYMENT_ERR_CONTRACT_NOT_FOUND', title: 'Not Found' },
        }
      if (keys.length === 2)
        return {
          status: 409,
          body: { status: 409, code: 'PAYMENT_ERR_CONTRACT_NOT_ACTIVE', title: 'Conflict' },
        }
      const { contractId, milestoneId } = JSON.parse(body) as { contractId: string; milestoneId: string }
      return {
        status: 201,
        body: {
          id: `esc_${milestoneId}_1`,
          contractId,
          milestoneId,
          amount: { amountMinor: 140_000, currency: 'USD' },
          status: 'pending',
          paymentIntentId: 'pi_123',
          clientSecret: 'pi_123_secret_x',
        },
      }
    })
    const escrow = await fundMilestone(hirerAt(url), {
      contractId: 'c1',
      milestoneId: 'm1',
    })
    t.equal(escrow.status, 'pending')
    t.equal(escrow.paymentIntentId, 'pi_123')
    t.equal(keys.length, 3, 'two refusals, then the escrow')
    t.equal(new Set(keys).size, 1, 'every try sends the same Idempotency-Key')
    t.match(keys[0], /^[0-9a-f-]{36}$/, 'a UUID by default')
  })

  t.test('does not retry another refusal, and gives up after waitMs', async (t) => {
    let hits = 0
    const url = await fakeApi(t, () => {
      hits++
      return hits === 1
        ? { status: 409, body: { status: 409, code: 'PAYMENT_ERR_ALREADY_FUNDED', title: 'Conflict' } }
        : { status: 409, body: { status: 409, code: 'PAYMENT_ERR_CONTRACT_NOT_ACTIVE', title: 'Conflict' } }
    })
    const hirer = hirerAt(url)
    const target = { contractId: 'c1', milestoneId: 'm1' }
    const funded = await fundMilestone(hirer, target).catch((e: unknown) => e)
    t.match(funded, { status: 409, code: 'PAYMENT_ERR_ALREADY_FUNDED' })
    t.equal(hits, 1, 'already funded is final')
    const started = Date.now()
    const late = await fundMilestone(hirer, target, { waitMs: 600 }).catch((e: unknown) => e)
    t.match(
      late,
      { status: 409, code: 'PAYMENT_ERR_CONTRACT_NOT_ACTIVE' },
      'still not active after waitMs: the refusal',
    )
    t.ok(late instanceof KelmahProblem)
    t.ok(Date.now() - started < 3_000, 'within about waitMs')
  })
})

t.test('deliverPaymentSucceeded signs exactly the body it sends, as Stripe does', async (t) => {
  const secret = 'whsec_test_seed'
  const received: Stripe.Event[] = []
  const url = await fakeApi(t, (req, body) => {
    t.equal(req.url, '/api/webhooks/stripe')
    t.notOk(req.headers.authorization, 'no token: Stripe has none')
    try {
      const event = Stripe.webhooks.constructEvent(body, String(req.headers['stripe-signature']), secret)
      const duplicate = received.some((e) => e.id === event.id)
      received.push(event)
      return {
        status: 200,
        body: { received: true, eventId: event.id, status: 'applied', duplicate },
      }
    } catch (err) {
      return { status: 400, body: { status: 400, title: (err as Error).message } }
    }
  })
  const escrow = { paymentIntentId: 'pi_abc', amount: { amountMinor: 140_000, currency: 'USD' as const } }
  const first = await deliverPaymentSucceeded(url, escrow, { secret })
  t.equal(first.ack.duplicate, false)
  const intent = received[0]!.data.object as unknown as Record<string, unknown>
  t.equal(received[0]!.type, 'payment_intent.succeeded')
  t.match(intent, {
    id: 'pi_abc',
    object: 'payment_intent',
    amount: 140_000,
    amount_received: 140_000,
    currency: 'usd',
    status: 'succeeded',
  })
  const again = await deliverPaymentSucceeded(url, escrow, { secret, event: first.event })
  t.equal(again.event.id, first.event.id, 'a redelivery is the same event')
  t.equal(again.ack.duplicate, true)
  const refused = await deliverPaymentSucceeded(url, escrow, { secret: 'whsec_wrong' }).catch(
    (e: unknown) => e,
  )
  t.ok(refused instanceof WebhookRefused)
  t.match(refused, { status: 400 }, 'another secret makes a signature the receiver refuses')
})

t.test('platformFeeMinor rounds the 10 % fee down to a whole minor unit', async (t) => {
  t.equal(platformFeeMinor(140_000), 14_000)
  t.equal(platformFeeMinor(999), 99)
  t.equal(platformFeeMinor(9), 0)
  t.equal(platformFeeMinor(1_000, 250), 25)
})
