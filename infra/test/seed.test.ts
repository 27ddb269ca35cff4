import http from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { ApiClient, UnexpectedStatus } from '../api/client.js'
import { seedArgs } from '../seed.js'
import { FALLBACK_CATEGORIES } from '../seed/catalogue.js'
import { makePlan } from '../seed/plan.js'
import { PhaseFailed, runPhase } from '../seed/pool.js'

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

t.test('ApiClient waits out a 429 for its Retry-After, then returns the answer', async (t) => {
  let hits = 0
  const server = http.createServer((req, res) => {
    hits++
    if (hits === 1) {
      res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/problem+json' })
      return res.end(JSON.stringify({ title: 'Too Many Requests', status: 429 }))
    }
    if (req.url === '/missing') {
      res.writeHead(404, { 'content-type': 'application/problem+json' })
      return res.end(JSON.stringify({ title: 'Not Found', status: 404, detail: 'no such thing' }))
    }
    res.writeHead(201, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ ok: true }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  const waits: number[] = []
  const client = new ApiClient({
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    onBackoff: (_r, ms) => waits.push(ms),
  })
  const started = Date.now()
  const res = await client.call('POST', '/x', { body: { a: 1 }, expect: [201] })
  t.same(res.body, { ok: true })
  t.equal(waits.length, 1)
  t.ok(Date.now() - started >= 1_000, 'waited a second')
  const err = await client.call('GET', '/missing').catch((e: unknown) => e)
  t.ok(err instanceof UnexpectedStatus, 'another status throws')
  t.match((err as UnexpectedStatus).status, 404)
  t.match(
    (err as Error).message,
    /GET \/missing answered 404.*no such thing/,
    'the message has the problem detail',
  )
})

t.test('seedArgs reads the flags and names a bad one', async (t) => {
  t.same(seedArgs([]), { users: 200, jobs: 1000, seed: 1, concurrency: 8 })
  t.same(seedArgs(['--users=20', '--jobs=5', '--seed=3', '--concurrency=2']), {
    users: 20,
    jobs: 5,
    seed: 3,
    concurrency: 2,
  })
  t.throws(() => seedArgs(['--users=1']), /--users must be an integer ≥ 2/)
  t.throws(() => seedArgs(['--colour=red']))
})
