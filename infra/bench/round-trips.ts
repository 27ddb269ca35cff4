/**
 * `npm run bench:round-trips` — how many database round trips each hot operation costs, counted
 * on the wire, per service: the request path (what the caller waits for) apart from the
 * asynchronous work it causes (the outbox relay, the consumers of its events).
 *
 * How: a counting proxy per service in front of FerretDB (`wire-proxy.ts`: one port per service,
 * so commands are attributed to their service), the whole API stack of a checkout started as real
 * processes with `MONGO_URL` pointing at its proxy (`bench-stack.ts`: databases, Redis keys and a
 * RabbitMQ vhost of the run's own), then a marketplace story told through the SDK. Before each
 * measured operation the tool waits for quiet (no command for `--quiet-ms`), runs it, waits for
 * quiet again (the events consumed), and attributes every command seen in between:
 *
 * - **request path**: commands of the serving service sent before its answer arrived, except the
 *   relay's and the inbox's (a consumer of the same service running meanwhile is counted here —
 *   the proxy cannot tell them apart on one connection; the per-shape table shows what they are);
 * - **relay**: the outbox relay's leases, outbox peeks and `$pullAll`s (any service);
 * - **async**: everything else — consumers in other services, the serving service after its answer.
 *
 * The driver's own commands (`hello`, `ping`, `endSessions`, …) and the relay's periodic sweep
 * (`{'outbox.0': {$exists: true}}`) are not counted (the sweep is reported on its own line).
 * Pushdown marks per shape (FerretDB 1.24 on PostgreSQL, docs/ferretdb.md): `pk` an `_id`
 * lookup, `pd` every key pushed down, `part` some, `scan` none, `all` no filter.
 *
 * Options: `--repo <path>` (repeatable: one run per checkout, then a side-by-side table; default
 * this checkout), `--applications <n>` (applications on the accepted job, default 10: the job service's
 * `ContractCreated` consumer rejects the others, counted under consumers), `--quiet-ms 1500`, `--json <file>` (every run's figures).
 * A checkout other than this one needs `node_modules` whose `@kelmah/*` links point at ITS libs
 * (a plain symlink to this one's `node_modules` would run THIS checkout's libs):
 *
 * ```sh
 * git worktree add --detach /tmp/before <commit> && cd /tmp/before && mkdir node_modules
 * for e in /work/main/node_modules/* /work/main/node_modules/.bin; do
 *   [ "$(basename $e)" = @kelmah ] || ln -s "$e" node_modules/; done
 * cp -a /work/main/node_modules/@kelmah node_modules/   # relative links: this checkout's libs
 * for w in gateway libs/contracts libs/sdk libs/service-kit services/auth services/web; do
 *   ln -s /work/main/$w/node_modules $w/node_modules; done  # the workspaces' own
 * ```
 */
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { createKelmah, KelmahSocketError, ok } from '@kelmah/sdk'
import { type Account, signUp } from '../demo/accounts.js'
import { accept, apply, postJob, sign, sleep } from '../demo/marketplace.js'
import { openSocket } from '../demo/sockets.js'
import { isMain, REPO_ROOT } from '../paths.js'
import { BENCH_APPS, startBenchStack } from './bench-stack.js'
import { startWireProxy, type WireCommand, type WireProxy } from './wire-proxy.js'

/** The environment that keeps periodic work out of the counts: outbox sweeps once an hour. */
export const QUIET_ENV: Record<string, string> = {
  OUTBOX_INTERVAL_MS: '3600000',
  OUTBOX_SWEEP_MS: '3600000',
  OUTBOX_SWEEP_INTERVAL_MS: '3600000',
}

/** One measured operation. */
export interface Measured {
  name: string
  /** The service answering the request. */
  service: string
  /** Wall time of the operation as the client saw it, ms. */
  ms: number
  /** Commands on the request path, of the relay, and the other asynchronous ones. */
  path: WireCommand[]
  relay: WireCommand[]
  async: WireCommand[]
  /** Periodic sweeps seen meanwhile (not counted). */
  sweeps: number
}

/** One run of the story against one checkout. */
export interface RoundTripRun {
  repo: string
  commit: string
  applications: number
  ops: Measured[]
  load: string
}

/** Options of {@link measureRoundTrips}. */
export interface RoundTripOptions {
  repo: string
  applications: number
  quietMs: number
  log: (line: string) => void
}

/** Run the story on `repo` and count every operation's commands. */
export async function measureRoundTrips(o: RoundTripOptions): Promise<RoundTripRun> {
  const seen: WireCommand[] = []
  const proxies = new Map<string, WireProxy>()
  const target = new URL((process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017').replace(/^mongodb/, 'http'))
  for (const name of BENCH_APPS)
    proxies.set(
      name,
      await startWireProxy(name, { host: target.hostname, port: Number(target.port || 27017) }, (c) =>
        seen.push(c),
      ),
    )
  const started = Date.now()
  o.log(`starting the apps of ${o.repo} …`)
  const stack = await startBenchStack({
    repo: o.repo,
    prefix: 'rt',
    mongoHostPort: (app) => `127.0.0.1:${proxies.get(app)!.port}`,
    env: QUIET_ENV,
  })
  o.log(`apps ready in ${Date.now() - started} ms`)
  const ops: Measured[] = []
  try {
    const counted = (c: WireCommand) => c.kind !== 'driver' && c.kind !== 'sweep'
    /** Wait until no counted command was sent for `quietMs` and none is unanswered (at most 30 s). */
    const quiet = async () => {
      const deadline = Date.now() + 30_000
      for (;;) {
        const now = performance.now()
        const busy = seen.some(
          (c) => counted(c) && (Number.isNaN(c.answeredAt) || now - c.sentAt < o.quietMs),
        )
        if (!busy || Date.now() > deadline) return
        await sleep(100)
      }
    }
    const measure = async (name: string, service: string, fn: () => Promise<unknown>) => {
      await quiet()
      const from = seen.length
      const t0 = performance.now()
      await fn()
      const t1 = performance.now()
      await quiet()
      const all = seen.slice(from)
      const m: Measured = {
        name,
        service,
        ms: Math.round(t1 - t0),
        path: all.filter((c) => c.service === service && c.kind === 'request' && c.sentAt <= t1),
        relay: all.filter((c) => c.kind === 'relay'),
        async: all.filter(
          (c) =>
            (c.kind === 'request' || c.kind === 'inbox') &&
            !(c.service === service && c.kind === 'request' && c.sentAt <= t1),
        ),
        sweeps: all.filter((c) => c.kind === 'sweep').length,
      }
      ops.push(m)
      o.log(
        `${name}: ${m.path.length} on the request path, ${m.relay.length} relay, ${m.async.length} async (${m.ms} ms)`,
      )
      return m
    }

    const client = () => createKelmah({ baseUrl: stack.gatewayUrl })
    const tag = stack.run.replace(/[^a-z0-9]/gi, '')
    const password = 'Kelmah-bench-2026!'
    const person = (role: 'hirer' | 'worker', i: number) =>
      signUp(client(), stack.urls.MAILDEV_URL, {
        email: `rt-${role}-${i}-${tag}@bench.kelmah.test`,
        password,
        name: `${role === 'hirer' ? 'Hirer' : 'Worker'} ${i}`,
        role,
      })
    const hirer = await person('hirer', 0)
    const workers: Account[] = []
    for (let i = 0; i < o.applications; i += 5)
      workers.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(5, o.applications - i) }, (_, k) => person('worker', i + k)),
        )),
      )
    const worker = workers[0]!
    o.log(`${workers.length + 1} accounts signed up`)

    const word = `roundtrip${tag}`
    const job = await postJob(hirer, {
      title: `Booking website for ${word}`,
      description: 'A booking website: room calendar, online payment, e-mail confirmations, an admin page.',
      category: 'web-development',
      skills: ['react', 'node.js'],
      budget: { type: 'fixed', amountMinor: 150_000, currency: 'USD' },
      duration: '1_to_3_months',
      experienceLevel: 'intermediate',
    })
    const bid = { coverLetter: 'I have built booking sites with React and Node.js.', estimatedDays: 30 }
    for (const w of workers.slice(1))
      await apply(w, job.id, { ...bid, bid: { amountMinor: 140_000, currency: 'USD' } })
    let application: { id: string } | undefined
    await measure('apply to a job', 'job', async () => {
      application = await apply(worker, job.id, { ...bid, bid: { amountMinor: 140_000, currency: 'USD' } })
    })
    await measure('list jobs (browse)', 'job', () => ok(worker.kelmah.api.GET('/api/jobs')))
    await measure('list jobs ?q=word', 'job', () =>
      ok(worker.kelmah.api.GET('/api/jobs', { params: { query: { q: word } } })),
    )

    const hirerWs = (await openSocket(hirer, 30_000)).socket
    const workerWs = (await openSocket(worker, 30_000)).socket
    try {
      // The first message opens the conversation (and waits until messaging knows the worker).
      const knownBy = Date.now() + 30_000
      for (;;) {
        try {
          await hirerWs.socket.sendMessage({ type: 'chat', recipientId: worker.id, message: 'Hello!' })
          break
        } catch (err) {
          if (!(err instanceof KelmahSocketError) || Date.now() > knownBy) throw err
          await sleep(300)
        }
      }
      await measure('send a chat message', 'messaging', async () => {
        const delivered = await hirerWs.socket.sendMessage({
          type: 'chat',
          recipientId: worker.id,
          message: 'Can we start on Monday?',
        })
        await workerWs.waitFor('new_message', (f) => f.message.id === delivered.message.id, 30_000)
      })
    } finally {
      hirerWs.close()
      workerWs.close()
    }
    await measure('list conversations', 'messaging', () =>
      ok(worker.kelmah.api.GET('/api/chat/conversations', { params: { query: { limit: 20 } } })),
    )

    let contractId = ''
    await measure(`accept an application (${o.applications} on the job)`, 'job', async () => {
      contractId = (await accept(hirer, application!.id)).id
    })
    await measure('sign a contract (hirer, first)', 'job', () => sign(hirer, contractId))
    await measure('sign a contract (worker, second)', 'job', () => sign(worker, contractId))
  } finally {
    await stack.stop()
    for (const p of proxies.values()) await p.close()
  }
  return {
    repo: o.repo,
    commit: await commitOf(o.repo),
    applications: o.applications,
    ops,
    load: loadAverage(),
  }
}

/** `uptime`'s three load averages. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')
}

/** The short commit of a checkout (read from its `.git`, which may be a worktree's file). */
async function commitOf(repo: string): Promise<string> {
  const { execFile } = await import('node:child_process')
  return new Promise((resolve) =>
    execFile('git', ['-C', repo, 'rev-parse', '--short', 'HEAD'], (err, out) =>
      resolve(err ? '?' : out.trim()),
    ),
  )
}

/** Count commands by service, command, collection and shape. */
function byShape(cmds: readonly WireCommand[]): Array<{ key: string; n: number; ms: number }> {
  const rows = new Map<string, { key: string; n: number; ms: number }>()
  for (const c of cmds) {
    const key = `${c.service} | ${c.command} | ${c.collection} | \`${c.shape.replace(/\|/g, '\\|')}\``
    const row = rows.get(key) ?? { key, n: 0, ms: 0 }
    row.n++
    row.ms += Number.isNaN(c.answeredAt) ? 0 : c.answeredAt - c.sentAt
    rows.set(key, row)
  }
  return [...rows.values()].sort((a, b) => b.n - a.n)
}

const dbMs = (cmds: readonly WireCommand[]) =>
  Math.round(cmds.reduce((s, c) => s + (Number.isNaN(c.answeredAt) ? 0 : c.answeredAt - c.sentAt), 0))

/** The markdown report of one run. */
export function report(run: RoundTripRun): string {
  const out: string[] = []
  out.push(`## Round trips — ${run.repo} @ ${run.commit} (load ${run.load})`, '')
  out.push('| operation | request path | relay | async (consumers) | wall ms | path DB ms |')
  out.push('|---|---:|---:|---:|---:|---:|')
  for (const m of run.ops)
    out.push(
      `| ${m.name} | ${m.path.length} (${m.service}) | ${m.relay.length} | ${m.async.length} | ${m.ms} | ${dbMs(m.path)} |`,
    )
  out.push('')
  for (const m of run.ops) {
    out.push(`### ${m.name}`, '')
    out.push('| part | service | command | collection | shape | count | ms |')
    out.push('|---|---|---|---|---|---:|---:|')
    for (const [part, cmds] of [
      ['path', m.path],
      ['relay', m.relay],
      ['async', m.async],
    ] as const)
      for (const r of byShape(cmds)) out.push(`| ${part} | ${r.key} | ${r.n} | ${Math.round(r.ms)} |`)
    if (m.sweeps) out.push(`| (sweeps, not counted) | | | | | ${m.sweeps} | |`)
    out.push('')
  }
  return out.join('\n')
}

/** Side by side: request-path, relay and async round trips per operation, one column pair per run. */
export function compare(runs: readonly RoundTripRun[]): string {
  const head = runs.map((r) => `${path.basename(r.repo)}@${r.commit}`)
  const out = [
    `## Side by side (request path / relay / async)`,
    '',
    `| operation | ${head.join(' | ')} |`,
    `|---|${head.map(() => '---:').join('|')}|`,
  ]
  const names = runs[0]?.ops.map((m) => m.name) ?? []
  for (const name of names)
    out.push(
      `| ${name} | ${runs
        .map((r) => {
          const m = r.ops.find((x) => x.name === name)
          return m ? `${m.path.length} / ${m.relay.length} / ${m.async.length}` : '—'
        })
        .join(' | ')} |`,
    )
  return out.join('\n')
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      repo: { type: 'string', multiple: true },
      applications: { type: 'string', default: '10' },
      'quiet-ms': { type: 'string', default: '1500' },
      json: { type: 'string' },
    },
  })
  const repos = (values.repo?.length ? values.repo : [REPO_ROOT]).map((r) => path.resolve(r))
  const runs: RoundTripRun[] = []
  for (const repo of repos) {
    const run = await measureRoundTrips({
      repo,
      applications: Math.max(1, Number(values.applications)),
      quietMs: Number(values['quiet-ms']),
      log: (line) => process.stderr.write(`[round-trips] ${line}\n`),
    })
    runs.push(run)
    process.stdout.write(`${report(run)}\n`)
  }
  if (runs.length > 1) process.stdout.write(`${compare(runs)}\n`)
  if (values.json) await fs.writeFile(values.json, JSON.stringify(runs, null, 2))
}

if (isMain(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
      process.exit(1)
    },
  )
}
