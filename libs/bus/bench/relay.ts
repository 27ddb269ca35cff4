/**
 * Outbox relay micro-benchmark: database round trips per relayed document and the sweep's time on
 * a large collection, for the relay before the `outboxPending` flag (taken from git, `--before`,
 * default the commit before it) and the current one, side by side in one run on one connection.
 *
 * ```sh
 * npm run bench -w @kelmah/bus                          # FerretDB at 127.0.0.1:27017
 * MONGO_URL=mongodb://127.0.0.1:27118 npm run bench -w @kelmah/bus -- --docs 10000
 * ```
 *
 * Rows:
 * - **kick after a write with one event** — what `AggregateStore.change` does: a guarded
 *   `updateOne` pushing one entry, then `relay.kick()`; counted are the commands the kick sends.
 * - **kick after a write without events** — the same update with no entry.
 * - **sweep, nothing pending** — the periodic pass on a collection of `--docs` job-like documents
 *   (`'outbox.0': {$exists}` before, `{outboxPending: true}` now; the full sweep is the safety net
 *   run every `fullSweepMs`).
 * - **sweep relaying `--pending` documents** left by a "crashed" writer.
 * - **draining a backlog** (`--backlog` documents noted with one event each, as a burst of
 *   service writes leaves them) through a REAL bus (RabbitMQ at `AMQP_URL`, confirms, an exchange
 *   of the run's own), alone and beside a "service" keeping 6 requests in flight on the same
 *   connection (a `findOne` and an `updateOne` each, as the seed keeps the job service busy):
 *   documents per second relayed, and the service's requests per second beside it.
 * - **an event of another collection behind that backlog**: one document of a second model noted
 *   right after the backlog's — ms until its event is confirmed (a `ContractSigned` behind
 *   thousands of `ApplicationSubmitted` in the seed).
 *
 * Apart from the backlog rows the bus is a no-op publisher: only database work is measured (a
 * confirmed publish adds the same broker round trip to both). `--sections kicks,sweeps,backlog`
 * picks what runs (default all). Compare against any commit with `--before <ref>`. Prints a
 * Markdown table and the load average (the machine is shared: compare columns, not absolutes).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createEvent } from '@kelmah/contracts'
import mongoose, { Schema, type Connection } from 'mongoose'
import amqp from 'amqplib'
import { pino } from 'pino'
import { Bus } from '../src/bus.js'
import * as after from '../src/outbox.js'

/** The last commit whose relay had no `outboxPending` flag. */
const BEFORE_DEFAULT = '93ea6f3d0cd19fbdb0ca34a7fa3366657287f4c4'

const { values: args } = parseArgs({
  options: {
    docs: { type: 'string', default: '10000' },
    pending: { type: 'string', default: '10' },
    writes: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    before: { type: 'string', default: BEFORE_DEFAULT },
    backlog: { type: 'string', default: '300' },
    sections: { type: 'string', default: 'kicks,sweeps,backlog' },
  },
})
const SECTIONS = new Set(args.sections.split(','))
const BACKLOG = Number(args.backlog)
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
const DOCS = Number(args.docs)
const PENDING = Number(args.pending)
const WRITES = Number(args.writes)
const ROUNDS = Number(args.rounds)
const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017'

type OutboxModule = typeof after
type Relay = InstanceType<OutboxModule['OutboxRelay']>

/** The relay module as it was at `ref`, written next to src so its imports resolve; removed at exit. */
async function loadBefore(ref: string): Promise<{ mod: OutboxModule; cleanup: () => void }> {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const source = execFileSync('git', ['show', `${ref}:libs/bus/src/outbox.ts`], {
    cwd: root,
    encoding: 'utf8',
  })
  const dir = `${root}.bench-before`
  mkdirSync(dir, { recursive: true })
  const file = `${dir}/outbox.ts`
  writeFileSync(file, source.replaceAll(/from '\.\/([a-z-]+)\.js'/g, "from '../src/$1.js'"))
  const cleanup = () => rmSync(dir, { recursive: true, force: true })
  process.on('exit', cleanup)
  return { mod: (await import(file)) as OutboxModule, cleanup }
}

function model(conn: Connection, mod: OutboxModule, name: string): after.AnyModel {
  const schema: Schema = new Schema(
    { _id: String, status: String, title: String, version: Number },
    { strict: false },
  )
  schema.plugin(mod.outboxPlugin)
  return conn.model(name, schema, name)
}

/** A job-like document (as infra/bench/storage.ts seeds them), `i`th of the collection. */
function jobDoc(i: number, pending: boolean, flag: boolean): Record<string, unknown> {
  const outbox = pending ? after.toOutbox([createEvent('BusProbed', { n: i }, { producer: 'test' })]) : []
  return {
    _id: `job-${i}`,
    title: `Job ${i}: plumbing tiles w${i % 97}`,
    hirerId: `user-${i % 1000}`,
    status: i % 5 === 0 ? 'closed' : 'open',
    category: 'home',
    skills: ['plumbing', 'tiling'],
    keywords: ['plumbing', 'tiles', `w${i % 97}`],
    budget: { type: 'fixed', amountMinor: 10_000 + i, currency: 'USD' },
    createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
    version: 0,
    outbox,
    ...(pending && flag ? { [after.OUTBOX_PENDING_FIELD]: true } : {}),
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? NaN
}

const conn = await mongoose
  .createConnection(`${MONGO_URL}/bench_relay_${process.pid}`, {
    maxPoolSize: 1, // as every service
    monitorCommands: true,
    bufferCommands: false,
    serverSelectionTimeoutMS: 5000,
  })
  .asPromise()
const commands: string[] = []
conn.getClient().on('commandStarted', (e) => commands.push(e.commandName))
/** Server-side milliseconds of each command the kicks sent, by name (`commandSucceeded`). */
const durations = new Map<string, number[]>()
let timing = false
conn.getClient().on('commandSucceeded', (e) => {
  if (!timing) return
  const list = durations.get(e.commandName) ?? []
  list.push(e.duration)
  durations.set(e.commandName, list)
})

const { mod: before, cleanup } = await loadBefore(args.before)
const logger = pino({ level: 'silent' })
const bus = { publish: async () => {} }
const sides = [
  { name: 'before', mod: before, Model: model(conn, before, 'jobs_before') },
  { name: 'after', mod: after, Model: model(conn, after, 'jobs_after') },
] as const

interface Row {
  what: string
  before?: string
  after?: string
}
const rows: Row[] = []
function put(what: string, side: 'before' | 'after', value: string): void {
  let row = rows.find((r) => r.what === what)
  if (!row) rows.push((row = { what }))
  row[side] = value
}
/** Run `fn`; the commands it sent by name, and its milliseconds. */
async function counted(fn: () => Promise<unknown>): Promise<{ n: number; names: string[]; ms: number }> {
  commands.length = 0
  const t0 = performance.now()
  await fn()
  const ms = performance.now() - t0
  return { n: commands.length, names: [...commands], ms }
}
function summary(names: string[], per: number): string {
  const by = new Map<string, number>()
  for (const n of names) by.set(n, (by.get(n) ?? 0) + 1)
  return [...by].map(([k, v]) => `${k} ${+(v / per).toFixed(2)}`).join(', ')
}

try {
  await conn.dropDatabase()
  const relays = new Map<string, Relay>()
  for (const s of sides) {
    await s.Model.createCollection()
    await s.Model.syncIndexes()
    const relay = new s.mod.OutboxRelay({ bus, models: [s.Model], logger, intervalMs: 3_600_000 })
    relays.set(s.name, relay)
  }

  // 1. Kicks after store-like writes, one document each, alternating sides.
  if (SECTIONS.has('kicks')) await kicks(relays)
  if (SECTIONS.has('sweeps')) await sweeps(relays)
  for (const relay of relays.values()) await relay.stop()
  if (SECTIONS.has('backlog')) await backlogs()
  const server = await conn.db!.admin().command({ buildInfo: 1 })
  console.log(
    `\n${MONGO_URL} (${server.ferretdbVersion ? `FerretDB ${server.ferretdbVersion}` : `MongoDB ${server.version}`}), ` +
      `one connection, ${WRITES} writes, ${ROUNDS} rounds, backlog ${BACKLOG}; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
  )
  console.log(`| | before (${args.before.slice(0, 7)}) | after |\n| --- | --: | --: |`)
  for (const r of rows) console.log(`| ${r.what} | ${r.before ?? ''} | ${r.after ?? ''} |`)
} finally {
  await conn.dropDatabase().catch(() => {})
  await conn.close()
  cleanup()
}

async function kicks(relays: Map<string, Relay>): Promise<void> {
  for (const s of sides)
    await s.Model.insertMany(Array.from({ length: WRITES }, (_, i) => jobDoc(i, false, false)))
  for (const s of sides) {
    relays.get(s.name)!.start()
    await relays.get(s.name)!.kick() // the start pass (a sweep) out of the way
  }
  const kick = { before: [] as number[], after: [] as number[] }
  const kickNames = { before: [] as string[], after: [] as string[] }
  const kickMs = { before: [] as number[], after: [] as number[] }
  const quiet = { before: [] as number[], after: [] as number[] }
  for (let i = 0; i < WRITES; i++) {
    for (const s of sides) {
      const event = createEvent('BusProbed', { n: i }, { producer: 'test' })
      await s.Model.updateOne(
        { _id: `job-${i}`, version: 0 },
        { $set: { status: 'closed' }, $inc: { version: 1 }, ...s.mod.outboxPush([event]) },
      )
      timing = true
      const r = await counted(() => relays.get(s.name)!.kick())
      timing = false
      kick[s.name].push(r.n)
      kickNames[s.name].push(...r.names)
      kickMs[s.name].push(r.ms)
      await s.Model.updateOne({ _id: `job-${i}` }, { $set: { title: 'edited' } })
      quiet[s.name].push((await counted(() => relays.get(s.name)!.kick())).n)
    }
  }
  for (const s of sides) {
    const per = kick[s.name].reduce((a, b) => a + b, 0) / WRITES
    put('kick after a write with one event: round trips per document', s.name, `${per}`)
    put('… of which', s.name, summary(kickNames[s.name], WRITES))
    put('… ms per kick (median)', s.name, median(kickMs[s.name]).toFixed(1))
    put(
      'kick after a write without events: round trips',
      s.name,
      `${quiet[s.name].reduce((a, b) => a + b, 0) / WRITES}`,
    )
  }

  put(
    '… ms per command in kicks, both sides (median)',
    'after',
    [...durations].map(([k, v]) => `${k} ${median(v).toFixed(1)}`).join(', '),
  )
}

/** 2. Sweeps over DOCS documents. */
async function sweeps(relays: Map<string, Relay>): Promise<void> {
  for (const relay of relays.values()) {
    relay.start() // idempotent (started by kicks() when it ran)
    await relay.kick()
  }
  for (const s of sides) {
    await s.Model.deleteMany({})
    for (let i = 0; i < DOCS; i += 500)
      await s.Model.collection.insertMany(
        Array.from({ length: Math.min(500, DOCS - i) }, (_, k) => jobDoc(i + k, false, false)),
      )
  }
  const idle = { before: [] as number[], after: [] as number[] }
  const idleFull: number[] = []
  const busy = { before: [] as number[], after: [] as number[] }
  const busyN = { before: [] as number[], after: [] as number[] }
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of sides) {
      const relay = relays.get(s.name)!
      idle[s.name].push((await counted(() => relay.sweep())).ms)
      if (s.name === 'after') idleFull.push((await counted(() => relay.fullSweep())).ms)
      // PENDING documents left by a writer that died before its kick (flagged by the new code).
      for (let k = 0; k < PENDING; k++) {
        const i = (round * PENDING + k * 97) % DOCS
        const doc = jobDoc(i, true, s.name === 'after' || 'OUTBOX_PENDING_FIELD' in s.mod) // flagged where the relay knows the flag
        await s.Model.collection.updateOne({ _id: doc._id as never }, { $set: doc })
      }
      const r = await counted(() => relay.sweep())
      busy[s.name].push(r.ms)
      busyN[s.name].push(r.n)
      const left = await s.Model.collection.countDocuments({ 'outbox.0': { $exists: true } })
      if (left !== 0) throw new Error(`${s.name}: ${left} documents still pending after the sweep`)
    }
  }
  for (const s of sides) {
    put(
      `sweep, nothing pending, ${DOCS.toLocaleString('en')} documents: ms (median)`,
      s.name,
      median(idle[s.name]).toFixed(1),
    )
    put(
      `sweep relaying ${PENDING} of ${DOCS.toLocaleString('en')} documents: ms (median)`,
      s.name,
      median(busy[s.name]).toFixed(1),
    )
    put(`… round trips`, s.name, `${median(busyN[s.name])}`)
  }
  put(`full sweep (safety net, every fullSweepMs), nothing pending: ms (median)`, 'before', '(the sweep)')
  put(
    `full sweep (safety net, every fullSweepMs), nothing pending: ms (median)`,
    'after',
    median(idleFull).toFixed(1),
  )
}

/**
 * 3. Backlogs through a real bus: BACKLOG documents of one model noted at once, then one of a
 * second model; alternating sides, ROUNDS rounds, alone and beside a busy "service".
 */
async function backlogs(): Promise<void> {
  const exchange = `kelmah.bench.relay.${process.pid}`
  const bus = new Bus({ url: AMQP_URL, service: `benchrelay${process.pid}`, exchange, inbox: conn, logger })
  await bus.start()
  try {
    const models = sides.map((s) => ({
      ...s,
      Jobs: model(conn, s.mod, `backlog_jobs_${s.name}`),
      Contracts: model(conn, s.mod, `backlog_contracts_${s.name}`),
      Busy: model(conn, s.mod, `backlog_busy_${s.name}`),
    }))
    for (const m of models) {
      await m.Busy.collection.insertMany(Array.from({ length: 50 }, (_, i) => jobDoc(i, false, false)))
    }
    const rate = { before: [] as number[], after: [] as number[] }
    const busyRate = { before: [] as number[], after: [] as number[] }
    const serviceRate = { before: [] as number[], after: [] as number[] }
    const behind = { before: [] as number[], after: [] as number[] }
    for (let round = 0; round < ROUNDS; round++) {
      for (const withService of [false, true]) {
        for (const m of models) {
          const relay = new m.mod.OutboxRelay({
            bus,
            models: [m.Jobs, m.Contracts],
            logger,
            intervalMs: 3_600_000,
            fullSweepMs: 3_600_000,
          })
          await m.Jobs.deleteMany({})
          await m.Contracts.deleteMany({})
          const docs = Array.from({ length: BACKLOG }, (_, i) => jobDoc(round * BACKLOG + i, true, true))
          for (let i = 0; i < docs.length; i += 100)
            await m.Jobs.collection.insertMany(docs.slice(i, i + 100))
          for (const d of docs) m.mod.noteOutboxWrite(m.Jobs, d._id)
          const signed = jobDoc(1_000_000 + round, true, true)
          await m.Contracts.collection.insertOne(signed)
          m.mod.noteOutboxWrite(m.Contracts, signed._id)
          // The service: 6 requests in flight, each a findOne and a guarded updateOne.
          let serving = withService
          let served = 0
          const service = Array.from({ length: 6 }, async (_, w) => {
            for (let k = 0; serving; k++) {
              const _id = `job-${(w * 7 + k) % 50}`
              await m.Busy.collection.findOne({ _id: _id as never })
              await m.Busy.collection.updateOne({ _id: _id as never }, { $inc: { version: 1 } })
              served++
            }
          })
          let signedAt: number | undefined
          const t0 = performance.now()
          relay.start() // its first pass is a full sweep, then the noted documents
          const watch = (async () => {
            while (signedAt === undefined) {
              const c = await m.Contracts.collection.findOne(
                { _id: signed._id as never },
                { projection: { outbox: 1 } },
              )
              if ((c?.outbox as unknown[] | undefined)?.length === 0) signedAt = performance.now() - t0
              else await new Promise((r) => setTimeout(r, 20))
            }
          })()
          for (;;) {
            await relay.kick()
            const left = await m.Jobs.collection.countDocuments({ [after.OUTBOX_PENDING_FIELD]: true })
            if (left === 0) break
          }
          const ms = performance.now() - t0
          await watch
          serving = false
          await Promise.all(service)
          await relay.stop()
          ;(withService ? busyRate : rate)[m.name].push(BACKLOG / (ms / 1000))
          if (withService) serviceRate[m.name].push(served / (ms / 1000))
          else behind[m.name].push(signedAt!)
        }
      }
    }
    for (const m of models) {
      put(
        `drain a backlog of ${BACKLOG} documents, real confirms, alone: docs/s (median)`,
        m.name,
        median(rate[m.name]).toFixed(0),
      )
      put(
        `… beside a service with 6 requests in flight: docs/s (median)`,
        m.name,
        median(busyRate[m.name]).toFixed(0),
      )
      put(`… the service's requests/s meanwhile (median)`, m.name, median(serviceRate[m.name]).toFixed(0))
      put(
        `an event of a second collection noted after that backlog: ms until relayed (median, alone)`,
        m.name,
        median(behind[m.name]).toFixed(0),
      )
    }
  } finally {
    await bus.close()
    const c = await amqp.connect(AMQP_URL)
    const ch = await c.createChannel()
    await ch.deleteExchange(exchange).catch(() => undefined)
    await c.close().catch(() => undefined)
  }
}
