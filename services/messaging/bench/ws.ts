/**
 * WebSocket benchmark: concurrent socket pairs through the real gateway to one messaging
 * instance (messaging in this process, the gateway as a child process running its
 * `src/server.ts` — a workspace never imports another's source; both on free ports, against the
 * real MongoDB/FerretDB, Redis and RabbitMQ). Each sender sends M `chat` frames to its partner,
 * one at a time after the previous `message_delivered`; delivery latency is measured from send to
 * the partner's `new_message` (and the sender's `message_delivered`). Each pair's first message
 * opens its conversation (the `chat` frame finds or creates it), all pairs at once: the table
 * gives the p99 of the other messages and the slowest first message beside the p99 of all.
 *
 * Side by side, in the same run and the same way, a bare `ws` relay with no storage
 * (`bench/floor.ts`) behind a second gateway process of the same build and configuration: the
 * physical floor of this machine. Kelmah's p50/p99 are printed as multiples of the floor's.
 *
 * Before measuring, the database is filled with data the size of the default seed
 * (`bench/fill.ts`: 200 users, 2,500 conversations, ≈ 5,000 messages, 4,000 notifications);
 * `BENCH_FILL=0` skips that. Then `GET /api/chat/conversations` of a seeded user is timed too.
 *
 *   npm run bench -w @kelmah/messaging                  # 1 pair × 200, then 25 pairs × 40
 *   BENCH_PAIRS=100 BENCH_MESSAGES=50 npm run bench -w @kelmah/messaging
 *   BENCH_FILL=0 npm run bench -w @kelmah/messaging     # empty database
 *   BENCH_SAFE_POOL=0 npm run bench -w @kelmah/messaging # no safe pool: one connection for all
 *
 * `BENCH_SAFE_POOL` sets service-kit's `mongoSafePoolSize` (the reads-and-unique-inserts pool on
 * FerretDB; default the kit's). The busy columns are the share of the run each connection was
 * waiting for answers: the one guarded connection, and the safe pool summed over its connections
 * (so up to the pool size × 100 %).
 *
 * Prints a markdown table. Not a test.
 */
import {
  dropDatabase,
  testEnv,
  tokenKit,
  uniqueMongoUrl,
  uniqueName,
  wsClient,
  type WsClient,
} from '@kelmah/testing'
import { spawn, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import type net from 'node:net'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import amqp from 'amqplib'
import { Redis } from 'ioredis'
import { buildApp } from '../src/app.js'
import { loadMessagingConfig } from '../src/config.js'
import { directoryModels } from '../src/models/directory.js'
import { fill, type FillCounts } from './fill.js'
import { startFloorRelay } from './floor.js'

/** Pair counts to run, each with its number of messages per pair. */
const RUNS: Array<{ pairs: number; messages: number }> = process.env.BENCH_PAIRS
  ? [{ pairs: Number(process.env.BENCH_PAIRS), messages: Number(process.env.BENCH_MESSAGES ?? 20) }]
  : [
      { pairs: 1, messages: Number(process.env.BENCH_MESSAGES ?? 200) },
      { pairs: 25, messages: Number(process.env.BENCH_MESSAGES ?? 40) },
    ]
const FILL = process.env.BENCH_FILL !== '0'

const env = testEnv()
const kit = tokenKit()
const mongoUrl = uniqueMongoUrl('messaging_bench')
const prefix = `${uniqueName('msgbench')}:`
const rlNamespace = `${uniqueName('msgbenchrl')}:`
const config = loadMessagingConfig({
  MONGO_URL: mongoUrl,
  AMQP_URL: env.amqpUrl,
  REDIS_URL: env.redisUrl,
  LOG_LEVEL: 'warn',
  MESSAGE_RATE_MAX: '1000000',
  // The bench measures delivery, not the per-socket throttle.
  WS_FRAME_LIMITS: 'chat=1000000/1000000',
})
const exchange = uniqueName('messaging_bench_events')
const messaging = await buildApp({
  config,
  jwks: kit.jwks,
  // Command monitoring: the run counts the database commands each message costs.
  mongoUrl: `${mongoUrl}?monitorCommands=true`,
  busExchange: exchange,
  serviceName: uniqueName('messaging_bench'),
  redisKeyPrefix: prefix,
  ...(process.env.BENCH_SAFE_POOL ? { mongoSafePoolSize: Number(process.env.BENCH_SAFE_POOL) } : {}),
})
const upstream = await messaging.listen({ port: 0, host: '127.0.0.1' })
/** Database commands sent since the last reset, by `<command> <collection>` (both connections). */
let commands = new Map<string, number>()
/** Milliseconds the guarded connection spent waiting for answers since the last reset (its busy time). */
let busyMs = 0
/** The same, summed over the safe pool's connections (`app.mongoSafe`, when it is its own). */
let safeBusyMs = 0
/** Milliseconds spent per `<command> <collection>` since the last reset. */
let commandMs = new Map<string, number>()
const safePool = messaging.mongoSafe === messaging.mongo ? null : messaging.mongoSafe
for (const conn of safePool ? [messaging.mongo, safePool] : [messaging.mongo]) {
  const started = new Map<number, string>()
  const onSafe = conn === safePool
  conn.getClient().on('commandStarted', (e) => {
    const what = `${e.commandName} ${String((e.command as Record<string, unknown>)[e.commandName])}${onSafe ? ' (safe)' : ''}`
    commands.set(what, (commands.get(what) ?? 0) + 1)
    started.set(e.requestId, what)
  })
  for (const event of ['commandSucceeded', 'commandFailed'] as const)
    conn.getClient().on(event, (e: { requestId: number; duration: number }) => {
      if (onSafe) safeBusyMs += e.duration
      else busyMs += e.duration
      const what = started.get(e.requestId)
      started.delete(e.requestId)
      if (what) commandMs.set(what, (commandMs.get(what) ?? 0) + e.duration)
    })
}
let filled: FillCounts | null = null
if (FILL) {
  filled = await fill(messaging.mongo)
  console.log(
    `filled: ${filled.users} users, ${filled.conversations} conversations, ${filled.messages} messages, ` +
      `${filled.notifications} notifications in ${(filled.ms / 1000).toFixed(1)} s`,
  )
}
const floor = await startFloorRelay()

// The gateway fetches the JWKS from a URL: serve the kit's here.
const jwksServer = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(kit.jwks))
})
await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as net.AddressInfo).port}/jwks.json`
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = http.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })

/** A gateway process (its `src/server.ts`, same configuration for both) in front of `messagingUrl`. */
async function startGateway(messagingUrl: string): Promise<{ base: string; child: ChildProcess }> {
  const port = await freePort()
  const child = spawn(
    process.execPath,
    ['--conditions=development', '--import', import.meta.resolve('tsx'), 'src/server.ts'],
    {
      cwd: fileURLToPath(new URL('../../../gateway/', import.meta.url)),
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        AUTH_SERVICE_URL: '',
        MESSAGING_SERVICE_URL: messagingUrl,
        REDIS_URL: env.redisUrl,
        RATE_LIMIT_NAMESPACE: rlNamespace,
        RATE_LIMIT_MAX: '1000000',
        JWT_JWKS_URL: jwksUrl,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  )
  process.once('exit', () => child.kill('SIGKILL'))
  const httpBase = `http://127.0.0.1:${port}`
  for (const deadline = Date.now() + 60_000; ;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited (${child.exitCode})`)
    const live = await fetch(`${httpBase}/health/live`).then(
      async (r) => (await r.arrayBuffer(), r.ok),
      () => false,
    )
    if (live) break
    if (Date.now() > deadline) throw new Error('the gateway was not live within 60 s')
    await new Promise((r) => setTimeout(r, 200))
  }
  return { base: httpBase, child }
}
const [kelmahGw, floorGw] = await Promise.all([startGateway(upstream), startGateway(floor.url)])

const { UserRef } = directoryModels(messaging.mongo)
const connect = async (gatewayBase: string, sub: string, known: boolean): Promise<WsClient> => {
  // The bench plays auth: its users are known to messaging's read model, as UserRegistered leaves them.
  if (known)
    await UserRef.updateOne(
      { _id: sub },
      {
        $setOnInsert: {
          role: 'worker',
          registeredAt: new Date(),
          deactivatedAt: null,
          suspended: false,
          suspensionAt: null,
        },
      },
      { upsert: true },
    )
  const c = await wsClient(`${gatewayBase.replace('http', 'ws')}/ws?token=${kit.sign({ sub })}`)
  await c.next('hello', 30_000)
  return c
}

interface Result {
  target: string
  pairs: number
  messages: number
  p50: number
  p90: number
  p99: number
  max: number
  perS: number
  /** p99 of every message but each pair's first (which opens the conversation), ms. */
  p99After: number
  /** The pairs' first messages: slowest, ms (each opens its conversation: the block list, the conversation's lookup, checks and insert). */
  openMax: number
  /** Database commands per message (Kelmah only), and the breakdown by command and collection. */
  dbPerMessage?: number
  breakdown?: string
  /** Share of the run the guarded database connection was busy answering (Kelmah only). */
  dbBusy?: number
  /** Share of the run the safe pool was busy answering, summed over its connections (Kelmah only). */
  safeBusy?: number
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

/** `pairs` socket pairs through `gatewayBase`, `messages` chat frames each, one after another. */
async function run(target: string, gatewayBase: string, pairs: number, messages: number): Promise<Result> {
  const tag = `${target}-${pairs}-${prefix.slice(-7, -1)}`
  const sockets: Array<{ sender: WsClient; receiver: WsClient; receiverId: string }> = []
  for (let i = 0; i < pairs; i++) {
    const receiverId = `bench-r-${i}-${tag}`
    sockets.push({
      sender: await connect(gatewayBase, `bench-s-${i}-${tag}`, target === 'kelmah'),
      receiver: await connect(gatewayBase, receiverId, target === 'kelmah'),
      receiverId,
    })
  }
  const latencies: number[] = []
  /** Every message but each pair's first. */
  const after: number[] = []
  const opens: number[] = []
  commands = new Map()
  commandMs = new Map()
  busyMs = 0
  safeBusyMs = 0
  const runStart = performance.now()
  await Promise.all(
    sockets.map(async ({ sender, receiver, receiverId }, p) => {
      for (let m = 0; m < messages; m++) {
        const text = `pair ${p} message ${m}`
        const t0 = performance.now()
        const got = receiver.next(
          (f) => f.type === 'new_message' && (f.message as { content: string }).content === text,
          30_000,
        )
        sender.send({ type: 'chat', recipientId: receiverId, message: text })
        await Promise.all([got, sender.next('message_delivered', 30_000)])
        const took = performance.now() - t0
        latencies.push(took)
        ;(m === 0 ? opens : after).push(took)
        // Keep the recorded frames small over long runs.
        sender.frames.length = 0
        receiver.frames.length = 0
      }
    }),
  )
  const elapsedS = (performance.now() - runStart) / 1000
  const total = [...commands.values()].reduce((a, b) => a + b, 0)
  const breakdown = [...commands]
    .sort((a, b) => b[1] - a[1])
    .map(
      ([what, n]) =>
        `${what} ${(n / latencies.length).toFixed(2)} × ${((commandMs.get(what) ?? 0) / n).toFixed(1)} ms`,
    )
    .join(', ')
  for (const { sender, receiver } of sockets) await Promise.all([sender.close(), receiver.close()])
  latencies.sort((a, b) => a - b)
  after.sort((a, b) => a - b)
  return {
    target,
    pairs,
    messages: latencies.length,
    p50: pct(latencies, 50),
    p90: pct(latencies, 90),
    p99: pct(latencies, 99),
    max: latencies.at(-1)!,
    perS: latencies.length / elapsedS,
    p99After: after.length > 0 ? pct(after, 99) : NaN,
    openMax: Math.max(...opens),
    ...(target === 'kelmah'
      ? {
          dbPerMessage: total / latencies.length,
          breakdown,
          dbBusy: busyMs / 1000 / elapsedS,
          safeBusy: safeBusyMs / 1000 / elapsedS,
        }
      : {}),
  }
}

/** `GET /api/chat/conversations` of a seeded user through the gateway, one request at a time. */
async function listTimes(
  user: string,
  n: number,
): Promise<{ p50: number; p99: number; items: number; dbPerRequest: number }> {
  const headers = { authorization: `Bearer ${kit.sign({ sub: user })}` }
  const times: number[] = []
  commands = new Map()
  let items = 0
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    const res = await fetch(`${kelmahGw.base}/api/chat/conversations?limit=20`, { headers })
    const body = (await res.json()) as { items: unknown[] }
    if (!res.ok) throw new Error(`GET /api/chat/conversations: ${res.status} ${JSON.stringify(body)}`)
    times.push(performance.now() - t0)
    items = body.items.length
  }
  times.sort((a, b) => a - b)
  const total = [...commands.values()].reduce((a, b) => a + b, 0)
  return { p50: pct(times, 50), p99: pct(times, 99), items, dbPerRequest: total / n }
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')
const loads: string[] = [load()]
const results: Array<{ floor: Result; kelmah: Result }> = []
for (const { pairs, messages } of RUNS) {
  // Warm both paths (JIT, connections) with a few messages first, then floor and Kelmah in turn.
  await run('floor', floorGw.base, Math.min(pairs, 5), 5)
  await run('kelmah', kelmahGw.base, Math.min(pairs, 5), 5)
  console.log(`${pairs} pair(s) × ${messages}: floor…`)
  const f = await run('floor', floorGw.base, pairs, messages)
  console.log(`${pairs} pair(s) × ${messages}: kelmah…`)
  const k = await run('kelmah', kelmahGw.base, pairs, messages)
  results.push({ floor: f, kelmah: k })
  loads.push(load())
}
const list = filled ? await listTimes(filled.sampleUser, 50) : null
loads.push(load())

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1))
const row = (r: Result, f?: Result) =>
  `| ${r.target === 'floor' ? 'bare ws relay (floor)' : 'Kelmah'} | ${r.pairs} × ${r.messages / r.pairs} | ` +
  `${ms(r.p50)} | ${ms(r.p90)} | ${ms(r.p99)} | ${ms(r.p99After)} | ${ms(r.openMax)} | ${ms(r.max)} | ${r.perS.toFixed(0)} | ` +
  (f ? `${(r.p50 / f.p50).toFixed(1)}× / ${(r.p99 / f.p99).toFixed(1)}×` : '–') +
  ` | ${r.dbPerMessage === undefined ? '–' : r.dbPerMessage.toFixed(1)} | ${r.dbBusy === undefined ? '–' : `${(r.dbBusy * 100).toFixed(0)} %`} | ${r.safeBusy === undefined || !safePool ? '–' : `${(r.safeBusy * 100).toFixed(0)} %`} |`
console.log(
  `\n${filled ? `database filled to seed size (${filled.conversations} conversations, ${filled.messages} messages, ${filled.notifications} notifications)` : 'empty database (BENCH_FILL=0)'}; ` +
    `${os.cpus().length} cores; load average (1/5/15 min) before and after each size: ${loads.join(' → ')}\n`,
)
console.log(
  `| target | pairs × messages | p50 ms | p90 ms | p99 ms | p99 after the first ms | slowest first ms | max ms | messages/s | p50 / p99 vs floor | DB commands / message | guarded connection busy | safe pool (${safePool ? safePool.getClient().options.maxPoolSize : 0}) busy |`,
)
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
for (const { floor: f, kelmah: k } of results) {
  console.log(row(f))
  console.log(row(k, f))
}
for (const { kelmah: k } of results)
  console.log(`\nDB commands per message (× mean ms each), ${k.pairs} pair(s): ${k.breakdown}`)
if (list)
  console.log(
    `\nGET /api/chat/conversations?limit=20 of a seeded user (${list.items} items), 50 requests one at a time: ` +
      `p50 ${ms(list.p50)} ms, p99 ${ms(list.p99)} ms, ${list.dbPerRequest.toFixed(1)} DB commands per request`,
  )

await Promise.all(
  [kelmahGw.child, floorGw.child].map(
    (child) =>
      new Promise((resolve) => {
        child.once('exit', resolve)
        child.kill('SIGTERM')
      }),
  ),
)
await floor.close()
await new Promise((resolve) => jwksServer.close(resolve))
const queues = messaging.bus.queueNames()
await messaging.close()
const amqpConn = await amqp.connect(env.amqpUrl)
const ch = await amqpConn.createChannel()
for (const q of queues) await ch.deleteQueue(q)
await ch.deleteExchange(exchange)
await amqpConn.close()
await dropDatabase(mongoUrl)
const redis = new Redis(env.redisUrl)
for (const pattern of [`${prefix}*`, `${rlNamespace}*`]) {
  const keys = await redis.keys(pattern)
  if (keys.length > 0) await redis.del(...keys)
}
redis.disconnect()
process.exit(0)
