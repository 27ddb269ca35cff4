/**
 * The cost of traces on a request, measured in one run: the same service process twice
 * (test/fixtures/traced-service.ts, a real buildService app on MongoDB, Redis and RabbitMQ), one
 * started with the telemetry module and no OTLP endpoint (SDK off: nothing loaded), one with
 * `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a local OTLP/HTTP sink (SDK on: an http server span per
 * request, a mongodb span per query, batched protobuf export). autocannon drives each in turn,
 * alternating, on loopback, a fixed number of requests each; prints req/s, p99 and the server
 * process's CPU time per request (user + system, from /proc/<pid>/stat: the figure that stays
 * comparable on a busy machine, where req/s swings with other load) for a trivial route and a
 * route with one MongoDB read.
 *
 *   cd libs/service-kit && node --conditions=development --import tsx bench/telemetry-overhead.ts
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import amqp from 'amqplib'
import { DEFAULT_RETRY_DELAYS_MS, queueNames } from '@kelmah/bus'
import autocannon from 'autocannon'
import { dropDatabase, testEnv, uniqueMongoUrl, uniqueName } from '@kelmah/testing'

const env = testEnv()
let exported = 0
const sink = http.createServer((req, res) => {
  req.on('data', (d: Buffer) => (exported += d.length))
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end())
})
sink.listen(0, '127.0.0.1')
await once(sink, 'listening')
const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`
const mongoUrl = uniqueMongoUrl('kit_otel_bench')

const names: Array<{ service: string; exchange: string }> = []

async function start(on: boolean): Promise<{ child: ChildProcess; url: string }> {
  const service = uniqueName('kitbench').replace(/[^a-z0-9]/g, '')
  const exchange = uniqueName('kit.bench')
  names.push({ service, exchange })
  const child = spawn(
    process.execPath,
    [
      '--conditions=development',
      '--import',
      'tsx',
      '--import',
      '@kelmah/service-kit/telemetry',
      fileURLToPath(new URL('../test/fixtures/traced-service.ts', import.meta.url)),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        ...(on ? { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl } : {}),
        OTEL_SERVICE_NAME: 'bench',
        PROBE_SERVICE: service,
        MONGO_URL: mongoUrl,
        REDIS_URL: env.redisUrl,
        AMQP_URL: env.amqpUrl,
        BUS_EXCHANGE: exchange,
      },
    },
  )
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  while (!/listening (\S+)/.test(out)) await new Promise((r) => setTimeout(r, 50))
  return { child, url: /listening (\S+)/.exec(out)![1]! }
}

const off = await start(false)
const on = await start(true)
// One document for the read route.
await fetch(`${off.url}/probes`, { method: 'POST' })
/** CPU seconds (user + system) the process has used so far; /proc counts in ticks of 10 ms. */
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}
/** Requests per run: a trivial route answers thousands a second, a MongoDB read (FerretDB) far fewer. */
const REQUESTS: Record<string, number> = { '/plain': 6000, '/probes/p1': 600 }
const run = (url: string, route: string) =>
  autocannon({ url: url + route, connections: 10, amount: REQUESTS[route]! })
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
for (const route of ['/plain', '/probes/p1']) {
  const results = {
    off: { rps: [] as number[], p99: [] as number[], cpuUs: [] as number[] },
    on: { rps: [] as number[], p99: [] as number[], cpuUs: [] as number[] },
  }
  await run(off.url, route) // warm-up
  await run(on.url, route)
  for (let round = 0; round < 3; round++) {
    for (const [name, target] of [
      ['off', off],
      ['on', on],
    ] as const) {
      const before = cpuSeconds(target.child.pid!)
      const r = await run(target.url, route)
      results[name].cpuUs.push(((cpuSeconds(target.child.pid!) - before) * 1e6) / r.requests.total)
      if (r.non2xx || r.errors) throw new Error(`${name} ${route}: ${r.non2xx} non-2xx, ${r.errors} errors`)
      results[name].rps.push(r.requests.average)
      results[name].p99.push(r.latency.p99)
    }
  }
  const a = median(results.off.rps)
  const b = median(results.on.rps)
  console.log(JSON.stringify({ route, ...results }))
  console.log(
    `GET ${route}: SDK off ${Math.round(a)} req/s (p99 ${median(results.off.p99)} ms); on ${Math.round(b)} req/s ` +
      `(p99 ${median(results.on.p99)} ms); ${((1 - b / a) * 100).toFixed(1)} % fewer req/s, ` +
      `≈ ${(1e6 / b - 1e6 / a).toFixed(1)} µs per request; server CPU ${median(results.off.cpuUs).toFixed(0)} vs ` +
      `${median(results.on.cpuUs).toFixed(0)} µs per request (+${(median(results.on.cpuUs) - median(results.off.cpuUs)).toFixed(0)} µs)`,
  )
}
console.log(`exported ${(exported / 1e6).toFixed(1)} MB of OTLP protobuf`)
for (const p of [off, on]) {
  p.child.kill('SIGTERM')
  await once(p.child, 'exit')
}
sink.close()
await dropDatabase(mongoUrl)
const conn = await amqp.connect(env.amqpUrl)
const ch = await conn.createChannel()
for (const { service, exchange } of names) {
  const queues = queueNames(service, 'traced', DEFAULT_RETRY_DELAYS_MS)
  for (const q of [queues.main, ...queues.retry, queues.dlq]) await ch.deleteQueue(q)
  await ch.deleteExchange(exchange)
}
await conn.close()
