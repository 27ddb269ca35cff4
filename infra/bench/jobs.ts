/**
 * `npm run bench:jobs` — job browse and word search through the real gateway with 10,000 jobs,
 * the Redis read model and the database path side by side in one run.
 *
 * Two job apps run in this process on ONE fresh database (`kelmah_jobbench_<run>`): one with the
 * read model (`JOB_READ_MODEL=on`, its own Redis prefix), one forced to the database path
 * (`JOB_READ_MODEL=off`); each behind its own gateway, started as a child process running the
 * gateway's `src/server.ts` (as `services/messaging/bench/ws.ts` does). The jobs are generated
 * with faker (fixed seed) and inserted with `insertMany` through the job model (70 % open, the
 * rest in progress, closed, completed, cancelled or drafts; a few invite-only), then the model
 * is built (`JobIndex.build`, timed). Each case is requested one at a time (after a warm-up):
 * `GET /api/jobs` (browse, newest first), `?q=<the most common keyword>`, `?q=<a word in 3
 * jobs>`. Prints a markdown table of p50/p95 milliseconds and the load average; the database path
 * is also measured straight to its job app (no gateway, so no upstream timeout: on a loaded
 * machine it outlasts the gateway's, which answers 504 — counted at the time it took).
 *
 * Environment: `BENCH_JOBS` (10000), `BENCH_RUNS` (read model requests per case, 200),
 * `BENCH_DB_RUNS` (database requests per case and route, 4 — each takes seconds), and the infra URLs
 * (`MONGO_URL` base, `REDIS_URL`, `AMQP_URL`; local defaults). Not a test.
 *
 * The job app is imported from its source by path (a bench of the whole system; the infra
 * workspace does not depend on the job workspace, so the import is untyped here).
 */
import { base, en, Faker } from '@faker-js/faker'
import { dropDatabase, testEnv, tokenKit, uniqueMongoUrl, uniqueName } from '@kelmah/testing'
import { spawn, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import type net from 'node:net'
import os from 'node:os'
import { fileURLToPath } from 'node:url'

const JOBS = Number(process.env.BENCH_JOBS ?? 10_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 200)
const DB_RUNS = Number(process.env.BENCH_DB_RUNS ?? 4)
const RARE = 'zephyrine'

/** What the bench uses of the job workspace (imported by path, untyped). */
interface JobModule {
  buildApp(
    this: void,
    opts: Record<string, unknown>,
  ): Promise<{
    listen(o: { port: number; host: string }): Promise<string>
    ready(): Promise<unknown>
    close(): Promise<void>
    mongo: { model(name: string): { insertMany(docs: unknown[]): Promise<unknown> }; name: string }
  }>
}
const jobSrc = (p: string) => new URL(`../../services/job/src/${p}`, import.meta.url).href
const { buildApp } = (await import(jobSrc('app.ts'))) as JobModule
const { loadJobConfig } = (await import(jobSrc('config.ts'))) as {
  loadJobConfig(this: void, env: Record<string, string>): Record<string, unknown>
}
const { jobKeywords } = (await import(jobSrc('domain/keywords.ts'))) as {
  jobKeywords(this: void, j: { title: string; description: string; skills: string[] }): string[]
}
const { jobIndexOf } = (await import(jobSrc('read-model/hooks.ts'))) as {
  jobIndexOf(
    this: void,
    conn: unknown,
  ): { build(): Promise<{ jobs: number; listed: number }>; clear(): Promise<void> }
}

const env = testEnv()
const kit = tokenKit()
const mongoUrl = uniqueMongoUrl('jobbench')
const prefix = `${uniqueName('jobbench')}:`
const rlNamespace = `${uniqueName('jobbenchrl')}:`

async function jobApp(readModel: 'on' | 'off') {
  const config = loadJobConfig({
    MONGO_URL: mongoUrl,
    AMQP_URL: env.amqpUrl,
    REDIS_URL: env.redisUrl,
    LOG_LEVEL: 'warn',
    JOB_READ_MODEL: readModel,
  })
  const app = await buildApp({
    config,
    jwks: kit.jwks,
    mongoUrl,
    busExchange: uniqueName('jobbench_events'),
    serviceName: uniqueName(`jobbench_${readModel}`),
    redisKeyPrefix: prefix,
    skipSubscriptions: true,
  })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, url }
}

const onApp = await jobApp('on')
const offApp = await jobApp('off')

// The gateways fetch the JWKS from a URL: serve the kit's here.
const jwksServer = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(kit.jwks))
})
await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as net.AddressInfo).port}/jwks.json`

const children: ChildProcess[] = []
process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')))

async function gateway(jobUrl: string): Promise<string> {
  const port = await new Promise<number>((resolve) => {
    const probe = http.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })
  const child = spawn(
    process.execPath,
    ['--conditions=development', '--import', import.meta.resolve('tsx'), 'src/server.ts'],
    {
      cwd: fileURLToPath(new URL('../../gateway/', import.meta.url)),
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        AUTH_SERVICE_URL: '',
        JOB_SERVICE_URL: jobUrl,
        REDIS_URL: env.redisUrl,
        RATE_LIMIT_NAMESPACE: rlNamespace,
        RATE_LIMIT_MAX: '1000000',
        JWT_JWKS_URL: jwksUrl,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  )
  children.push(child)
  const url = `http://127.0.0.1:${port}`
  for (const deadline = Date.now() + 60_000; ;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited (${child.exitCode})`)
    const live = await fetch(`${url}/health/live`).then(
      async (r) => (await r.arrayBuffer(), r.ok),
      () => false,
    )
    if (live) return url
    if (Date.now() > deadline) throw new Error('the gateway was not live within 60 s')
    await new Promise((r) => setTimeout(r, 200))
  }
}
const [onGateway, offGateway] = await Promise.all([gateway(onApp.url), gateway(offApp.url)])

// 10,000 realistic jobs, inserted through the job model.
const f = new Faker({ locale: [en, base], seed: 11 })
const CATEGORIES = ['web-development', 'mobile-development', 'software-development', 'design', 'writing']
const SKILLS = [
  'react',
  'node.js',
  'typescript',
  'figma',
  'python',
  'go',
  'copywriting',
  'seo',
  'swift',
  'kotlin',
]
const STATUSES = [
  ...Array<string>(70).fill('open'),
  ...Array<string>(8).fill('in_progress'),
  ...Array<string>(8).fill('closed'),
  ...Array<string>(5).fill('completed'),
  ...Array<string>(4).fill('cancelled'),
  ...Array<string>(5).fill('draft'),
]
const hirers = Array.from({ length: 500 }, (_, i) => `bench-hirer-${i}`)
const now = Date.now()
const counts = new Map<string, number>()
const docs = Array.from({ length: JOBS }, (_, i) => {
  const title = `${f.hacker.verb()} ${f.company.buzzNoun()} ${f.helpers.arrayElement(['app', 'site', 'API', 'dashboard', 'brand'])}`
  const description = `${f.company.catchPhrase()}. ${f.lorem.paragraph({ min: 3, max: 6 })}${i % 3333 === 7 ? ` ${RARE}` : ''}`
  const skills = f.helpers.arrayElements(SKILLS, { min: 1, max: 4 })
  const hourly = f.datatype.boolean({ probability: 0.3 })
  const low = f.number.int({ min: 10, max: 5_000 }) * 100
  const high = hourly ? low + f.number.int({ min: 1, max: 50 }) * 100 : low
  const status = f.helpers.arrayElement(STATUSES)
  const createdAt = new Date(now - f.number.int({ min: 0, max: 90 * 86_400_000 }))
  const keywords = jobKeywords({ title, description, skills })
  for (const k of keywords) counts.set(k, (counts.get(k) ?? 0) + 1)
  return {
    hirerId: f.helpers.arrayElement(hirers),
    title,
    description,
    category: f.helpers.arrayElement(CATEGORIES),
    skills,
    budget: hourly
      ? { type: 'hourly', minMinor: low, maxMinor: high, currency: 'USD' }
      : { type: 'fixed', amountMinor: low, currency: f.helpers.arrayElement(['USD', 'USD', 'EUR']) },
    budgetLowMinor: low,
    budgetHighMinor: high,
    visibility: f.datatype.boolean({ probability: 0.03 }) ? 'invite_only' : 'public',
    openings: 1,
    status,
    keywords,
    publishedAt: status === 'draft' ? null : createdAt,
    createdAt,
    updatedAt: createdAt,
  }
})
const common = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] as [string, number]
const Job = onApp.app.mongo.model('Job')
let t0 = performance.now()
for (let i = 0; i < docs.length; i += 1000) await Job.insertMany(docs.slice(i, i + 1000))
const insertMs = performance.now() - t0
t0 = performance.now()
const index = jobIndexOf(onApp.app.mongo)
const built = await index.build()
const buildMs = performance.now() - t0
console.log(
  `${JOBS} jobs inserted in ${(insertMs / 1000).toFixed(1)} s; read model built in ${(buildMs / 1000).toFixed(1)} s ` +
    `(${built.listed} listed); common word "${common[0]}" (${common[1]} jobs), rare word "${RARE}" (${counts.get(RARE) ?? 0} jobs)`,
)

const token = kit.sign({ sub: 'bench-worker', role: 'worker', emailVerified: true })
/** Status codes other than 200 seen per gateway (a 504 is the gateway's upstream timeout). */
const failures = new Map<string, number>()
async function timed(url: string): Promise<number> {
  const t = performance.now()
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  const body = (await res.json()) as { items?: unknown[] }
  const ms = performance.now() - t
  if (res.status === 504) {
    // Counted at the time it took (a lower bound of the real answer time).
    failures.set(url, (failures.get(url) ?? 0) + 1)
    return ms
  }
  if (res.status !== 200 || !Array.isArray(body.items)) throw new Error(`${url}: ${res.status}`)
  return ms
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number
}
const CASES = [
  ['browse `GET /api/jobs`', ''],
  [`search \`?q=${common[0]}\` (common, ${common[1]} jobs)`, `?q=${common[0]}`],
  [`search \`?q=${RARE}\` (rare, ${counts.get(RARE) ?? 0} jobs)`, `?q=${RARE}`],
] as const
const rows: string[] = []
const loadBefore = os.loadavg()
for (const [label, query] of CASES) {
  const measure = async (gw: string, runs: number, warm: number) => {
    for (let i = 0; i < warm; i++) await timed(`${gw}/api/jobs${query}`)
    const xs: number[] = []
    for (let i = 0; i < runs; i++) xs.push(await timed(`${gw}/api/jobs${query}`))
    return xs
  }
  const model = await measure(onGateway, RUNS, 20)
  const database = await measure(offGateway, DB_RUNS, 1)
  // The database path straight to the job app too: through the gateway it may hit the
  // gateway's upstream timeout (504) on a loaded machine, which hides its real time.
  const direct = await measure(offApp.url, DB_RUNS, 0)
  rows.push(
    `| ${label} | ${pct(model, 50).toFixed(1)} | ${pct(model, 95).toFixed(1)} | ${pct(database, 50).toFixed(0)} | ${pct(database, 95).toFixed(0)} | ${pct(direct, 50).toFixed(0)} | ${pct(direct, 95).toFixed(0)} |`,
  )
}
const loadAfter = os.loadavg()
for (const [url, n] of failures)
  console.log(`${url}: ${n} request(s) answered 504 by the gateway (upstream timeout); counted at their time`)
console.log(
  `\n${JOBS} jobs, ${RUNS} read-model / ${DB_RUNS} database requests per case, one at a time, through the gateway\n`,
)
console.log(
  '| case | read model p50 ms | read model p95 ms | database p50 ms | database p95 ms | database, no gateway, p50 ms | … p95 ms |',
)
console.log('|---|---:|---:|---:|---:|---:|---:|')
for (const r of rows) console.log(r)
console.log(
  `\nload average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} cores)`,
)

await index.clear()
children.forEach((c) => c.kill('SIGTERM'))
await Promise.all([onApp.app.close(), offApp.app.close()])
jwksServer.close()
await dropDatabase(mongoUrl)
