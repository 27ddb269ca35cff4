/**
 * `npm run drill:rolling-restart`: restart every gateway and job instance in turn under steady
 * load, the way Kubernetes rolls a Deployment, and count what the clients and the event consumers
 * noticed (docs/operations.md, Rolling restarts).
 *
 * On loopback: auth ×1, job ×2, gateway ×2, with HAProxy (Debian's package, installed when missing)
 * in front of the gateways (the Ingress) and in front of the job instances (the `job` Service the
 * gateways call). Load: autocannon on `GET /api/jobs` (reads) and `POST /api/jobs` as a verified
 * hirer (writes) through the front HAProxy, for the whole drill. Each instance, in turn:
 *   1. out of rotation (HAProxy `drain`, as the endpoints controller drops a terminating pod),
 *   2. the `preStop` delay of its manifest (`sleep N`),
 *   3. SIGTERM; it drains (service-kit's `runService`) and must exit within
 *      `terminationGracePeriodSeconds − N`, else SIGKILL (reported),
 *   4. a new process on the same port; back in rotation once HAProxy's check of `/health/ready`
 *      (the manifest's readinessProbe period and threshold) passes.
 * The timings are read from `k8s/base/<app>.yaml`, so the manifests say what the drill proved.
 *
 * Then: every write answered 2xx made a job whose `JobPosted` reached a queue bound to the
 * exchange (lost = acknowledged jobs without one), and the job database's outbox is empty.
 * Isolation: databases `kelmah_drill_<run>_*`, a RabbitMQ vhost of its own (`rabbitmqctl`; the
 * shared `/` with a warning when that fails), Redis keys and rate-limit counters of its own.
 *
 * Prints requests sent, failed and the p99 during the restarts; exits 1 on any failed request,
 * lost event or forced kill. Options: `--settle-s N` (load before and after the restarts, default
 * 5), `--reads-per-s N` (default 100), `--writes-per-s N` (default 20).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import amqp from 'amqplib'
import autocannon from 'autocannon'
import { MongoClient } from 'mongodb'
import { parseAllDocuments } from 'yaml'
import { down } from '../down.js'
import { ensureJwtKey } from '../keys.js'
import { REPO_ROOT, isMain } from '../paths.js'
import { type AppEntry, APPS, appDir, appEnv, withDatabase, freePort } from '../services.js'
import { up } from '../up.js'
import { createVhost } from '../vhost.js'
import { Haproxy, ensureHaproxy } from './haproxy.js'

/** The rollout timings of one Deployment, read from its manifest. */
export interface RolloutTimings {
  /** Seconds of the `preStop` hook's `sleep`. */
  preStopS: number
  terminationGracePeriodS: number
  readiness: { periodS: number; failureThreshold: number; timeoutS: number }
}

/**
 * The timings of `k8s/base/<app>.yaml`'s Deployment: its container's `preStop: exec: [sleep, N]`,
 * `terminationGracePeriodSeconds` (Kubernetes' default 30 when absent) and `readinessProbe`
 * (defaults: period 10 s, 3 failures, timeout 1 s).
 *
 * @throws Error when the file has no Deployment or its preStop is not a `sleep`
 */
export async function rolloutTimings(
  app: string,
  root = path.join(REPO_ROOT, 'k8s', 'base'),
): Promise<RolloutTimings> {
  const file = path.join(root, `${app}.yaml`)
  const docs = parseAllDocuments(await fs.readFile(file, 'utf8')).map(
    (d) => d.toJS() as Record<string, unknown>,
  )
  type Pod = {
    terminationGracePeriodSeconds?: number
    containers?: Array<{
      lifecycle?: { preStop?: { exec?: { command?: string[] }; sleep?: { seconds?: number } } }
      readinessProbe?: { periodSeconds?: number; failureThreshold?: number; timeoutSeconds?: number }
    }>
  }
  const deployment = docs.find((d) => d?.kind === 'Deployment') as
    { spec?: { template?: { spec?: Pod } } } | undefined
  const pod = deployment?.spec?.template?.spec
  const container = pod?.containers?.[0]
  if (!pod || !container) throw new Error(`${file}: no Deployment with a container`)
  const preStop = container.lifecycle?.preStop
  const command = preStop?.exec?.command
  const preStopS =
    preStop?.sleep?.seconds ?? (command?.[0] === 'sleep' && command[1] ? Number(command[1]) : Number.NaN)
  if (!Number.isFinite(preStopS)) throw new Error(`${file}: the preStop hook is not a sleep`)
  return {
    preStopS,
    terminationGracePeriodS: pod.terminationGracePeriodSeconds ?? 30,
    readiness: {
      periodS: container.readinessProbe?.periodSeconds ?? 10,
      failureThreshold: container.readinessProbe?.failureThreshold ?? 3,
      timeoutS: container.readinessProbe?.timeoutSeconds ?? 1,
    },
  }
}

/** The p-th percentile (0–100) of `values` (ms), 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const out = (line: string) => process.stdout.write(`${line}\n`)
const log = (line: string) =>
  process.stderr.write(`[drill ${new Date().toISOString().slice(11, 19)}] ${line}\n`)

async function until(what: string, ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await ok().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await sleep(100)
  }
}

async function postJson(
  url: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

/** The newest 6-digit code MailDev holds for `email` other than `except` (its `/api/email`, or `/email` of MailDev 2). */
async function mailedCode(maildevUrl: string, email: string, except?: string): Promise<string> {
  let code: string | undefined
  await until(
    `a code mailed to ${email}`,
    async () => {
      for (const route of ['/api/email', '/email']) {
        const res = await fetch(`${maildevUrl}${route}?to.address=${encodeURIComponent(email)}`)
        if (!res.ok) {
          await res.arrayBuffer()
          continue
        }
        const mails = (await res.json()) as Array<{ text?: string; to?: Array<{ address: string }> }>
        code = mails
          .filter((m) => m.to?.some((t) => t.address === email))
          .map((m) => /\b(\d{6})\b/.exec(m.text ?? '')?.[1])
          .filter((c) => c && c !== except)
          .at(-1)
        return code !== undefined
      }
      return false
    },
    15_000,
  )
  return code!
}

/**
 * A hirer with a verified email (posting jobs needs one), signed up through the gateway; returns
 * its access token. A verification lost to FerretDB's unisolated updates (docs/ferretdb.md) is done
 * again with a resent code.
 *
 * @throws Error when a step fails
 */
async function verifiedHirer(base: string, maildevUrl: string, email: string): Promise<string> {
  const password = 'correct horse battery staple'
  const reg = await postJson(`${base}/api/auth/register`, {
    email,
    password,
    name: 'Drill Hirer',
    role: 'hirer',
  })
  if (reg.status !== 201) throw new Error(`register answered ${reg.status}`)
  let code: string | undefined
  for (let attempt = 0; attempt < 4; attempt++) {
    if (attempt > 0) {
      await sleep(1_000)
      await postJson(`${base}/api/auth/otp/resend`, { email })
    }
    code = await mailedCode(maildevUrl, email, code)
    await postJson(`${base}/api/auth/otp/verify`, { email, code })
    const login = await postJson(`${base}/api/auth/login`, { email, password })
    const user = login.body.user as { emailVerified?: boolean } | undefined
    if (login.status === 200 && user?.emailVerified) return String(login.body.accessToken)
  }
  throw new Error(`${email} stays unverified`)
}

/** One app instance the drill runs. */
interface Instance {
  app: AppEntry
  /** HAProxy server name (`job1`), or undefined for one that is not restarted. */
  server?: string
  pool?: string
  env: Record<string, string>
  child?: ChildProcess
}

/** What one run measured. */
export interface DrillReport {
  /** Requests autocannon sent (it counts those still in flight when the load stops too). */
  sent: number
  /** Requests autocannon saw completed. */
  completed: number
  answered2xx: number
  failed: number
  failures: Record<string, number>
  p99RestartsMs: number
  p99AllMs: number
  restartWindowS: number
  writesAcknowledged: number
  eventsReceived: number
  lostEvents: number
  duplicateEvents: number
  outboxLeft: number
  forcedKills: string[]
  restarts: Array<{ server: string; exitMs: number; backInMs: number }>
  /** The first failed answers (time, request, status, problem code or HAProxy's page). */
  failureSamples: string[]
  /** HAProxy's health-check state changes (an instance going DOWN outside its restart is a finding). */
  healthChanges: string[]
}

/** Run the drill; never throws for what it measures (see the report), only for a setup it cannot make. */
export async function runDrill(
  options: { settleS?: number; readsPerS?: number; writesPerS?: number } = {},
): Promise<DrillReport> {
  const settleMs = (options.settleS ?? 5) * 1_000
  const rates = { reads: options.readsPerS ?? 100, writes: options.writesPerS ?? 20 }
  const run = `drill_${randomBytes(3).toString('hex')}`
  const infra = await up({ log: (line) => log(`infra: ${line}`) })
  const haproxyBin = await ensureHaproxy(log)
  const timings = { gateway: await rolloutTimings('gateway'), job: await rolloutTimings('job') }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kelmah-drill-'))
  const jwtKey = await ensureJwtKey(path.join(dir, 'jwt-es256.pem'))
  const vhost = await createVhost(infra.urls.AMQP_URL, `kelmah-${run}`)
  if (!vhost) log('no RabbitMQ vhost of its own (rabbitmqctl failed): consumer queues are shared with others')
  const urls = { ...infra.urls, AMQP_URL: vhost?.url ?? infra.urls.AMQP_URL }
  const tsx = import.meta.resolve('tsx')
  const entry = (name: string): AppEntry => {
    const app = APPS.find((a) => a.name === name)
    if (!app) throw new Error(`no ${name} in infra/services.ts`)
    return app
  }
  const auth: AppEntry = { ...entry('auth'), port: await freePort() }
  const jobFront = await freePort()
  const gatewayFront = await freePort()
  const jobs = [1, 2].map(async (i) => ({
    app: { ...entry('job'), port: await freePort() },
    server: `job${i}`,
  }))
  const gateways = [1, 2].map(async (i) => ({
    app: { ...entry('gateway'), port: await freePort() },
    server: `gateway${i}`,
  }))
  // The apps the gateways route to: auth, and job through its HAProxy frontend (the Service).
  const routed: AppEntry[] = [auth, { ...entry('job'), port: jobFront }]
  const instances: Instance[] = []
  const envOf = (app: AppEntry): Record<string, string> => ({
    ...appEnv(app, urls, { jwtKey, apps: [...routed, app] }),
    MONGO_URL: withDatabase(urls.MONGO_URL, `kelmah_${run}_${app.name}`),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_NAMESPACE: `kelmah:${run}:rl:`,
    RATE_LIMIT_MAX: '100000000',
    RATE_LIMIT_AUTH_MAX: '1000',
    REDIS_KEY_PREFIX: `kelmah:${run}:${app.name}:`,
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    // The drain the manifests allow: terminationGracePeriodSeconds less the preStop sleep.
    SHUTDOWN_GRACE_MS: String(
      (timings[app.name as 'job' | 'gateway'] ?? timings.job).terminationGracePeriodS * 1_000 -
        (timings[app.name as 'job' | 'gateway'] ?? timings.job).preStopS * 1_000,
    ),
  })
  instances.push({ app: auth, env: envOf(auth) })
  for (const j of await Promise.all(jobs)) instances.push({ ...j, pool: 'job', env: envOf(j.app) })
  for (const g of await Promise.all(gateways)) instances.push({ ...g, pool: 'gateway', env: envOf(g.app) })
  const output: string[] = []
  const launch = (inst: Instance): ChildProcess => {
    const child = spawn(process.execPath, ['--conditions=development', '--import', tsx, 'src/server.ts'], {
      cwd: appDir(inst.app),
      env: { ...process.env, ...inst.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const name = inst.server ?? inst.app.name
    for (const stream of [child.stdout, child.stderr])
      readline.createInterface({ input: stream }).on('line', (line) => output.push(`[${name}] ${line}`))
    inst.child = child
    return child
  }
  const ready = async (inst: Instance) => {
    let last = 'no answer'
    const url = `http://127.0.0.1:${inst.app.port}/health/ready`
    await until(
      `${inst.server ?? inst.app.name} ready`,
      async () => {
        if (inst.child?.exitCode !== null) throw new Error(`${inst.app.name} exited`)
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(2_000) })
          last = `${res.status} ${await res.text()}`
          return res.ok
        } catch (err) {
          last = (err as Error).message
          return false
        }
      },
      // Generous: tsx compiles each app at start, minutes on a busy 2-core machine.
      180_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message} (last answer of ${url}: ${last})`)
    })
  }
  const stopChild = (
    child: ChildProcess | undefined,
    graceMs: number,
  ): Promise<{ ms: number; killed: boolean }> =>
    new Promise((resolve) => {
      const started = Date.now()
      if (!child || child.exitCode !== null || child.signalCode !== null)
        return resolve({ ms: 0, killed: false })
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      child.once('exit', (_code, signal) => {
        clearTimeout(timer)
        resolve({ ms: Date.now() - started, killed: signal === 'SIGKILL' })
      })
      child.kill('SIGTERM')
    })

  let haproxy: Haproxy | undefined
  let amqpConn: Awaited<ReturnType<typeof amqp.connect>> | undefined
  const mongo = new MongoClient(urls.MONGO_URL, { serverSelectionTimeoutMS: 5_000, directConnection: true })
  try {
    log(`run ${run}: starting auth, job ×2, HAProxy, gateway ×2`)
    const [authInst] = instances
    launch(authInst!)
    await ready(authInst!)
    await Promise.all(instances.filter((i) => i.pool === 'job').map((i) => (launch(i), ready(i))))
    haproxy = await Haproxy.start(haproxyBin, dir, [
      {
        name: 'job',
        port: jobFront,
        servers: instances
          .filter((i) => i.pool === 'job')
          .map((i) => ({ name: i.server!, port: i.app.port })),
        check: timings.job.readiness,
      },
      {
        name: 'gateway',
        port: gatewayFront,
        servers: instances
          .filter((i) => i.pool === 'gateway')
          .map((i) => ({ name: i.server!, port: i.app.port })),
        check: timings.gateway.readiness,
      },
    ])
    await Promise.all(instances.filter((i) => i.pool === 'gateway').map((i) => (launch(i), ready(i))))
    const lb = haproxy
    const inRotation = (inst: Instance) =>
      until(
        `${inst.server} back in rotation`,
        async () => (await lb.status(inst.pool!, inst.server!)) === 'UP',
        60_000,
      )
    await Promise.all(instances.filter((i) => i.server).map(inRotation))

    // The events: a queue of this run bound to JobPosted on the apps' exchange.
    amqpConn = await amqp.connect(urls.AMQP_URL)
    const channel = await amqpConn.createChannel()
    await channel.checkExchange('kelmah.events')
    const { queue } = await channel.assertQueue('', { exclusive: true })
    await channel.bindQueue(queue, 'kelmah.events', 'job.job.posted')
    const posted = new Map<string, number>()
    await channel.consume(
      queue,
      (msg) => {
        if (!msg) return
        const event = JSON.parse(msg.content.toString()) as { type?: string; data?: { jobId?: string } }
        const id = event.data?.jobId
        if (event.type === 'JobPosted' && id) posted.set(id, (posted.get(id) ?? 0) + 1)
      },
      { noAck: true },
    )

    const base = `http://127.0.0.1:${gatewayFront}`
    const accessToken = await verifiedHirer(base, urls.MAILDEV_URL, `${run}.hirer@example.com`)
    const headers = { authorization: `Bearer ${accessToken}` }

    // The load, for the whole drill.
    const samples: Array<{ at: number; ms: number }> = []
    const failures: Record<string, number> = {}
    const fail = (what: string) => (failures[what] = (failures[what] ?? 0) + 1)
    /** The first answers of each failing kind: who answered (problem code, or HAProxy's page). */
    const failureSamples: string[] = []
    const noteFailure = (kind: string) => (status: number, body: string) => {
      if (status < 300 || failureSamples.length >= 20) return
      let who = body.slice(0, 80).replace(/\s+/g, ' ')
      try {
        const problem = JSON.parse(body) as { code?: string; detail?: string }
        who = `${problem.code ?? ''} ${problem.detail ?? ''}`.trim()
      } catch {
        // not JSON: HAProxy's own page
      }
      failureSamples.push(`${new Date().toISOString().slice(11, 19)} ${kind} ${status}: ${who}`)
    }
    let answered2xx = 0
    const acknowledged = new Set<string>()
    const watch = (inst: ReturnType<typeof autocannon>, kind: string) => {
      inst.on('response', (_c, status, _b, ms) => {
        samples.push({ at: Date.now(), ms })
        if (status >= 200 && status < 300) answered2xx++
        else fail(`${kind} ${status}`)
      })
      inst.on('reqError', (err) => fail(`${kind} ${err.message || 'error'}`))
      return inst
    }
    const reads = watch(
      autocannon({
        url: base,
        connections: 8,
        overallRate: rates.reads,
        duration: 3_600,
        timeout: 10,
        requests: [
          { method: 'GET', path: '/api/jobs?limit=20', headers, onResponse: noteFailure('GET /api/jobs') },
        ],
      }),
      'GET /api/jobs',
    )
    const writes = watch(
      autocannon({
        url: base,
        connections: 4,
        overallRate: rates.writes,
        duration: 3_600,
        timeout: 10,
        requests: [
          {
            method: 'POST',
            path: '/api/jobs',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify({
              title: 'Rolling restart drill job',
              description: 'Posted under load while every gateway and job instance restarts in turn.',
              category: 'web-development',
              skills: ['node'],
              budget: { type: 'fixed', amountMinor: 50_000, currency: 'USD' },
            }),
            onResponse: (status, body) => {
              noteFailure('POST /api/jobs')(status, body)
              if (status !== 201) return
              const id = (JSON.parse(body) as { id?: string }).id
              if (id) acknowledged.add(id)
            },
          },
        ],
      }),
      'POST /api/jobs',
    )
    await sleep(settleMs)

    const restarts: DrillReport['restarts'] = []
    const forcedKills: string[] = []
    const windowStart = Date.now()
    for (const inst of instances.filter((i) => i.server)) {
      const t = timings[inst.pool as 'job' | 'gateway']
      log(`${inst.server}: out of rotation, preStop ${t.preStopS} s, SIGTERM, restart`)
      await lb.setState(inst.pool!, inst.server!, 'drain')
      await sleep(t.preStopS * 1_000)
      const stopped = await stopChild(inst.child, (t.terminationGracePeriodS - t.preStopS) * 1_000)
      if (stopped.killed) forcedKills.push(inst.server!)
      const relaunched = Date.now()
      launch(inst)
      await ready(inst)
      await lb.setState(inst.pool!, inst.server!, 'ready')
      await inRotation(inst)
      restarts.push({ server: inst.server!, exitMs: stopped.ms, backInMs: Date.now() - relaunched })
    }
    const windowEnd = Date.now()
    await sleep(settleMs)
    reads.stop()
    writes.stop()
    const [readResult, writeResult] = await Promise.all([reads, writes])

    // Every acknowledged write's event: the outbox drains (relay sweep), the queue receives.
    await mongo.connect()
    const jobsCollection = mongo.db(`kelmah_${run}_job`).collection('jobs')
    const pending = () => jobsCollection.countDocuments({ 'outbox.0': { $exists: true } })
    await until('outbox empty', async () => (await pending()) === 0, 30_000).catch(() => undefined)
    await until(
      'every JobPosted received',
      async () => [...acknowledged].every((id) => posted.has(id)),
      15_000,
    ).catch(() => undefined)
    const lost = [...acknowledged].filter((id) => !posted.has(id)).length
    return {
      sent: readResult.requests.sent + writeResult.requests.sent,
      completed: readResult.requests.total + writeResult.requests.total,
      answered2xx,
      // Ours (every answer and request error seen) or autocannon's own count, whichever is larger.
      failed: Math.max(
        Object.values(failures).reduce((a, b) => a + b, 0),
        // (autocannon's `errors` include its `timeouts`)
        [readResult, writeResult].reduce((n, r) => n + r.non2xx + r.errors, 0),
      ),
      failures,
      p99RestartsMs: percentile(
        samples.filter((s) => s.at >= windowStart && s.at <= windowEnd).map((s) => s.ms),
        99,
      ),
      p99AllMs: percentile(
        samples.map((s) => s.ms),
        99,
      ),
      restartWindowS: Math.round((windowEnd - windowStart) / 100) / 10,
      writesAcknowledged: acknowledged.size,
      eventsReceived: posted.size,
      lostEvents: lost,
      duplicateEvents: [...posted.values()].reduce((a, n) => a + n - 1, 0),
      outboxLeft: await pending(),
      forcedKills,
      restarts,
      failureSamples,
      healthChanges: lb.healthChanges,
    }
  } catch (err) {
    process.stderr.write(`${output.slice(-40).join('\n')}\n`)
    throw err
  } finally {
    await amqpConn?.close().catch(() => undefined)
    await Promise.all(instances.map((i) => stopChild(i.child, 15_000)))
    haproxy?.stop()
    try {
      await mongo.connect()
      for (const inst of instances)
        await mongo
          .db(`kelmah_${run}_${inst.app.name}`)
          .dropDatabase()
          .catch(() => undefined)
    } catch {
      // dropped what could be dropped
    } finally {
      await mongo.close().catch(() => undefined)
    }
    await vhost?.delete()
    await fs.rm(dir, { recursive: true, force: true })
    await down({ only: infra.started })
  }
}

/** The report as the drill prints it. */
export function formatReport(r: DrillReport): string {
  const failures = Object.entries(r.failures)
    .map(([what, n]) => `${n} × ${what}`)
    .join(', ')
  return [
    `restarted: ${r.restarts.map((x) => `${x.server} (exit ${x.exitMs} ms, back in ${(x.backInMs / 1000).toFixed(1)} s)`).join(', ')} in ${r.restartWindowS} s`,
    `requests sent: ${r.sent} (completed ${r.completed}, the rest in flight when the load stopped), answered 2xx: ${r.answered2xx}, failed: ${r.failed}${failures ? ` (${failures})` : ''}`,
    `latency p99 during the restarts: ${Math.round(r.p99RestartsMs)} ms (whole run: ${Math.round(r.p99AllMs)} ms)`,
    `writes acknowledged: ${r.writesAcknowledged}, JobPosted received: ${r.eventsReceived}, lost: ${r.lostEvents}, duplicates: ${r.duplicateEvents}, outbox left: ${r.outboxLeft}`,
    `forced kills (SIGKILL after the grace period): ${r.forcedKills.length > 0 ? r.forcedKills.join(', ') : 'none'}`,
    ...(r.failureSamples.length > 0 ? ['first failures:', ...r.failureSamples.map((l) => `  ${l}`)] : []),
    'load balancer health changes:',
    ...r.healthChanges.map((l) => `  ${l}`),
  ].join('\n')
}

if (isMain(import.meta.url)) {
  const arg = (name: string) => {
    const at = process.argv.indexOf(name)
    return at > 0 ? Number(process.argv[at + 1]) : undefined
  }
  try {
    const report = await runDrill({
      settleS: arg('--settle-s'),
      readsPerS: arg('--reads-per-s'),
      writesPerS: arg('--writes-per-s'),
    })
    out(formatReport(report))
    const ok = report.failed === 0 && report.lostEvents === 0 && report.forcedKills.length === 0
    out(ok ? 'drill: ok' : 'drill: FAILED')
    process.exit(ok ? 0 : 1)
  } catch (err) {
    console.error(err)
    process.exit(1)
  }
}
