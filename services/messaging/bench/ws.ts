/**
 * WebSocket benchmark: N concurrent socket pairs through the real gateway to one messaging
 * instance (both in this process, on port 0, against the real MongoDB/FerretDB, Redis and
 * RabbitMQ). Each sender sends M `chat` frames to its partner, one at a time after the previous
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
import { Redis } from 'ioredis'
import { buildApp as buildGateway } from '../../../gateway/src/app.js'
import { loadGatewayConfig } from '../../../gateway/src/config.js'
import { buildApp } from '../src/app.js'
import { loadMessagingConfig } from '../src/config.js'

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
})
const exchange = uniqueName('messaging_bench_events')
const messaging = await buildApp({
  config,
  jwks: kit.jwks as never,
  mongoUrl,
  busExchange: exchange,
  redisKeyPrefix: prefix,
  queueSuffix: `_${uniqueName('b').slice(2)}`,
})
const upstream = await messaging.listen({ port: 0, host: '127.0.0.1' })
const gateway = await buildGateway({
  config: loadGatewayConfig({
    AUTH_SERVICE_URL: '',
    MESSAGING_SERVICE_URL: upstream,
    REDIS_URL: env.redisUrl,
    RATE_LIMIT_NAMESPACE: rlNamespace,
    RATE_LIMIT_MAX: '1000000',
    LOG_LEVEL: 'warn',
  }),
  jwks: kit.jwks,
})
const base = (await gateway.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws')

const connect = async (sub: string): Promise<WsClient> => {
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
await gateway.close()
await messaging.close()
await dropDatabase(mongoUrl)
const redis = new Redis(env.redisUrl)
for (const pattern of [`${prefix}*`, `${rlNamespace}*`]) {
  const keys = await redis.keys(pattern)
  if (keys.length > 0) await redis.del(...keys)
}
redis.disconnect()
process.exit(0)
