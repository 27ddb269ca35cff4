import { spawn } from 'node:child_process'
import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import amqp from 'amqplib'
import { Redis } from 'ioredis'
import { DEFAULT_RETRY_DELAYS_MS, queueNames } from '@kelmah/bus'
import { traceIdOf } from '@kelmah/contracts'
import { dropDatabase, testEnv, uniqueMongoUrl, uniqueName } from '@kelmah/testing'
import { isUntracedPath, sdkEnvDefaults, serviceNameOf, telemetryEnabled } from '../src/telemetry-config.js'

const env = testEnv()
// The service process below compiles its TypeScript and loads the SDK: ≈ 25 s on a busy 2-core
// machine, more when the whole suite runs beside it.
t.setTimeout(240_000)

/** One span as OTLP/JSON carries it (the fields the test reads). */
interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  attributes?: Array<{ key: string; value: { stringValue?: string; intValue?: string | number } }>
  service: string
  scope: string
}
const KIND = { server: 2, client: 3, producer: 4, consumer: 5 } as const

/** An OTLP/HTTP receiver (JSON encoding) on port 0: the collector stand-in, outside our system. */
async function otlpReceiver() {
  const spans: OtlpSpan[] = []
  const server = http.createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (d: string) => (body += d))
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end()
        return
      }
      const request = JSON.parse(body) as {
        resourceSpans: Array<{
          resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }
          scopeSpans: Array<{ scope: { name: string }; spans: Array<Omit<OtlpSpan, 'service' | 'scope'>> }>
        }>
      }
      for (const rs of request.resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? ''
        for (const ss of rs.scopeSpans)
          for (const s of ss.spans) spans.push({ ...s, service, scope: ss.scope.name })
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return { spans, url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) }
}

const attr = (span: OtlpSpan, key: string) => {
  const v = span.attributes?.find((a) => a.key === key)?.value
  return v?.stringValue ?? v?.intValue
}

t.test(
  'one trace, exported over OTLP, from an HTTP request to the handler of the event it caused',
  async (t) => {
    const receiver = await otlpReceiver()
    const mongoUrl = uniqueMongoUrl('kit_otel')
    const exchange = uniqueName('kit.otel')
    const service = uniqueName('kitotel').replace(/[^a-z0-9]/g, '')
    const child = spawn(
      process.execPath,
      [
        '--conditions=development',
        '--import',
        'tsx',
        '--import',
        '@kelmah/service-kit/telemetry',
        fileURLToPath(new URL('./fixtures/traced-service.ts', import.meta.url)),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: {
          ...process.env,
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_BSP_SCHEDULE_DELAY: '100',
          OTEL_SERVICE_NAME: 'kit-traced',
          PROBE_SERVICE: service,
          MONGO_URL: mongoUrl,
          REDIS_URL: env.redisUrl,
          AMQP_URL: env.amqpUrl,
          BUS_EXCHANGE: exchange,
        },
      },
    )
    t.teardown(async () => {
      if (child.exitCode === null) child.kill('SIGKILL')
      await receiver.close()
      const conn = await amqp.connect(env.amqpUrl)
      const ch = await conn.createChannel()
      const queues = queueNames(service, 'traced', DEFAULT_RETRY_DELAYS_MS)
      for (const q of [queues.main, ...queues.retry, queues.dlq]) await ch.deleteQueue(q)
      await ch.deleteExchange(exchange)
      await conn.close().catch(() => undefined)
      const redis = new Redis(env.redisUrl)
      await redis.del(`${exchange}:probes`)
      redis.disconnect()
      await dropDatabase(mongoUrl)
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const waitFor = async (pattern: RegExp, ms: number) => {
      const deadline = Date.now() + ms
      while (!pattern.test(out)) {
        if (child.exitCode !== null) throw new Error(`the service exited: ${out}`)
        if (Date.now() > deadline) throw new Error(`no ${pattern} within ${ms} ms: ${out}`)
        await new Promise((r) => setTimeout(r, 25))
      }
      return pattern.exec(out)!
    }
    const address = (await waitFor(/listening (\S+)/, 150_000))[1]!

    const res = await fetch(`${address}/probes`, { method: 'POST' })
    t.equal(res.status, 200)
    const { traceparent } = (await res.json()) as { traceparent: string }
    const handled = await waitFor(/handled p1 found (\S+)/, 10_000)
    child.kill('SIGTERM')
    const [code] = await once(child, 'exit')
    t.equal(code, 0, 'the service stops cleanly, its spans flushed on close')

    const spans = receiver.spans
    const traceId = traceIdOf(traceparent)
    t.same(
      [...new Set(spans.map((s) => s.traceId))],
      [traceId],
      'every exported span is in the request’s trace',
    )
    t.ok(
      spans.every((s) => s.service === 'kit-traced'),
      'named by OTEL_SERVICE_NAME',
    )

    const server = spans.find((s) => s.kind === KIND.server)
    t.equal(server?.name, 'POST /probes', 'the HTTP server span is named by its route')
    t.equal(attr(server!, 'http.route'), '/probes')
    t.equal(traceparent.slice(36, 52), server?.spanId, 'request.traceparent is the server span')
    t.notOk(server?.parentSpanId, 'no incoming traceparent: the request started the trace')

    const redis = spans.find((s) => s.scope.includes('ioredis'))
    t.equal(redis?.parentSpanId, server?.spanId, 'the Redis call is in the request')
    const insert = spans.find(
      (s) => attr(s, 'db.system.name') === 'mongodb' || attr(s, 'db.system') === 'mongodb',
    )
    t.ok(insert, 'MongoDB commands are spans')

    const publish = spans.find((s) => s.kind === KIND.producer)
    t.equal(publish?.name, 'publish BusProbed')
    t.equal(
      publish?.parentSpanId,
      server?.spanId,
      'the relay’s publish continues the request that stored the event',
    )
    t.equal(attr(publish!, 'messaging.destination.name'), exchange)

    const consume = spans.find((s) => s.kind === KIND.consumer)
    t.equal(consume?.name, 'process BusProbed')
    t.equal(consume?.parentSpanId, publish?.spanId, 'the consumer continues the publish, from the envelope')
    t.equal(handled[1]!.slice(36, 52), consume?.spanId, 'the handler’s context is the consumer span')
    const read = spans.filter((s) => s.parentSpanId === consume?.spanId && s.scope.includes('mongodb'))
    t.ok(
      read.some((s) => s.name === 'find probes'),
      'the handler’s MongoDB read is a child of the consumer span',
    )
  },
)

t.test('telemetry is on only with an OTLP endpoint', async (t) => {
  t.notOk(telemetryEnabled({}), 'off by default')
  t.notOk(telemetryEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }), 'blank is unset')
  t.ok(telemetryEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }))
  t.ok(telemetryEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }))
  t.notOk(
    telemetryEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }),
    'OTEL_SDK_DISABLED wins',
  )
})

t.test('the service name, the SDK defaults and the untraced paths', async (t) => {
  t.equal(serviceNameOf({ OTEL_SERVICE_NAME: 'job' }), 'job')
  t.equal(
    serviceNameOf({}, fileURLToPath(new URL('..', import.meta.url))),
    'service-kit',
    'the package, unscoped',
  )
  t.equal(serviceNameOf({}, '/'), 'kelmah', 'no package.json')
  t.same(sdkEnvDefaults({}), { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' }, 'traces only')
  t.same(sdkEnvDefaults({ OTEL_METRICS_EXPORTER: 'otlp', OTEL_LOGS_EXPORTER: 'otlp' }), {}, 'unless asked')
  for (const p of ['/health', '/health/ready', '/health/live?x=1', '/metrics']) t.ok(isUntracedPath(p), p)
  for (const p of ['/probes', '/healthy', undefined]) t.notOk(isUntracedPath(p), String(p))
})
