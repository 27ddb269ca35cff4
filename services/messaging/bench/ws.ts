/**
 * WebSocket benchmark: N concurrent socket pairs through the real gateway to one messaging
 * instance (messaging in this process, the gateway as a child process running its
 * `src/server.ts` — a workspace never imports another's source; both on free ports, against the
 * real MongoDB/FerretDB, Redis and RabbitMQ). Each sender sends M `chat` frames to its partner, one at a time after the previous
 * `message_delivered`; delivery latency is measured from send to the partner's `new_message`.
 *
 *   npm run bench -w @kelmah/messaging            # 25 pairs × 20 messages
 *   BENCH_PAIRS=100 BENCH_MESSAGES=50 npm run bench -w @kelmah/messaging
 *
 * Prints p50/p90/p99/max delivery latency and messages per second. Not a test.
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
import { spawn } from 'node:child_process'
import http from 'node:http'
import type net from 'node:net'
import { fileURLToPath } from 'node:url'
import amqp from 'amqplib'
import { Redis } from 'ioredis'
import { buildApp } from '../src/app.js'
import { loadMessagingConfig } from '../src/config.js'
import { directoryModels } from '../src/models/directory.js'

const PAIRS = Number(process.env.BENCH_PAIRS ?? 25)
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20)

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
  mongoUrl,
  busExchange: exchange,
  serviceName: uniqueName('messaging_bench'),
  redisKeyPrefix: prefix,
})
const upstream = await messaging.listen({ port: 0, host: '127.0.0.1' })

// The gateway fetches the JWKS from a URL: serve the kit's here.
const jwksServer = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(kit.jwks))
})
await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as net.AddressInfo).port}/jwks.json`
const gatewayPort = await new Promise<number>((resolve) => {
  const probe = http.createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as net.AddressInfo
    probe.close(() => resolve(port))
  })
})
const gateway = spawn(
  process.execPath,
  ['--conditions=development', '--import', import.meta.resolve('tsx'), 'src/server.ts'],
  {
    cwd: fileURLToPath(new URL('../../../gateway/', import.meta.url)),
    env: {
      ...process.env,
      PORT: String(gatewayPort),
      HOST: '127.0.0.1',
      AUTH_SERVICE_URL: '',
      MESSAGING_SERVICE_URL: upstream,
      REDIS_URL: env.redisUrl,
      RATE_LIMIT_NAMESPACE: rlNamespace,
      RATE_LIMIT_MAX: '1000000',
      JWT_JWKS_URL: jwksUrl,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  },
)
process.once('exit', () => gateway.kill('SIGKILL'))
const httpBase = `http://127.0.0.1:${gatewayPort}`
for (const deadline = Date.now() + 60_000; ;) {
  if (gateway.exitCode !== null) throw new Error(`the gateway exited (${gateway.exitCode})`)
  const live = await fetch(`${httpBase}/health/live`).then(
    async (r) => (await r.arrayBuffer(), r.ok),
    () => false,
  )
  if (live) break
  if (Date.now() > deadline) throw new Error('the gateway was not live within 60 s')
  await new Promise((r) => setTimeout(r, 200))
}
const base = httpBase.replace('http', 'ws')

const { UserRef } = directoryModels(messaging.mongo)
const connect = async (sub: string): Promise<WsClient> => {
  // The bench plays auth: its users are known to messaging's read model, as UserRegistered leaves them.
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
  const c = await wsClient(`${base}/ws?token=${kit.sign({ sub })}`)
  await c.next('hello', 30_000)
  return c
}

console.log(`connecting ${PAIRS} pairs through the gateway…`)
const pairs: Array<{ sender: WsClient; receiver: WsClient; receiverId: string }> = []
for (let i = 0; i < PAIRS; i++) {
  const senderId = `bench-s-${i}-${prefix.slice(-7, -1)}`
  const receiverId = `bench-r-${i}-${prefix.slice(-7, -1)}`
  pairs.push({ sender: await connect(senderId), receiver: await connect(receiverId), receiverId })
}

const latencies: number[] = []
const started = performance.now()
await Promise.all(
  pairs.map(async ({ sender, receiver, receiverId }, p) => {
    for (let m = 0; m < MESSAGES; m++) {
      const text = `pair ${p} message ${m}`
      const t0 = performance.now()
      const got = receiver.next(
        (f) => f.type === 'new_message' && (f.message as { content: string }).content === text,
        30_000,
      )
      sender.send({ type: 'chat', recipientId: receiverId, message: text })
      await Promise.all([got, sender.next('message_delivered', 30_000)])
      latencies.push(performance.now() - t0)
      // Keep the recorded frames small over long runs.
      sender.frames.length = 0
      receiver.frames.length = 0
    }
  }),
)
const elapsedS = (performance.now() - started) / 1000

latencies.sort((a, b) => a - b)
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1)
console.log(`pairs ${PAIRS}, messages ${latencies.length}, elapsed ${elapsedS.toFixed(2)} s`)
console.log(
  `delivery latency ms: p50 ${pct(50)}  p90 ${pct(90)}  p99 ${pct(99)}  max ${latencies.at(-1)!.toFixed(1)}`,
)
console.log(`throughput: ${(latencies.length / elapsedS).toFixed(0)} messages/s`)

for (const { sender, receiver } of pairs) await Promise.all([sender.close(), receiver.close()])
await new Promise((resolve) => {
  gateway.once('exit', resolve)
  gateway.kill('SIGTERM')
})
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
