import t from 'tap'
import amqp from 'amqplib'
import { createEvent } from '@kelmah/contracts'
import { NonRetryableError } from '@kelmah/bus'
import { dropDatabase, testEnv, uniqueMongoUrl, uniqueName } from '@kelmah/testing'
import Type from 'typebox'
import { buildService, LatestWrites, startMetricsServer } from '../src/index.js'

const env = testEnv()

/** The value of the series `name{labels…}` in a Prometheus text exposition (labels in any order). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)\{(.*)\} (\S+)$/.exec(line)
    if (!m || m[1] !== name) continue
    const have = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]))
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3])
  }
  return undefined
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
  return res.text()
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

t.test(
  '/metrics on its own port: requests by route pattern and status, events published, dead letters, dependencies',
  async (t) => {
    const mongoUrl = uniqueMongoUrl('kit_metrics')
    const name = uniqueName('kitm').replace(/[^a-z0-9]/g, '')
    const app = await buildService({
      name,
      producer: 'test',
      logLevel: false,
      mongoUrl,
      redisUrl: env.redisUrl,
      amqpUrl: env.amqpUrl,
      busExchange: uniqueName('kit.metrics'),
    })
    app.get(
      '/things/:id',
      { schema: { params: Type.Object({ id: Type.String({ pattern: '^[a-z]+$' }) }) } },
      async () => ({
        ok: true,
      }),
    )
    t.teardown(async () => {
      const queues = app.bus.queueNames()
      await app.close()
      const conn = await amqp.connect(env.amqpUrl)
      const ch = await conn.createChannel()
      for (const q of queues) await ch.deleteQueue(q)
      await ch.deleteExchange(app.bus.exchange)
      await conn.close()
      await dropDatabase(mongoUrl)
    })
    await app.ready()
    const served = await startMetricsServer(app, { port: 0, host: '127.0.0.1' })

    t.equal((await app.inject({ url: '/metrics' })).statusCode, 404, 'not a route of the app port')
    t.equal((await fetch(`${served.url}/other`)).status, 404, 'the metrics port serves /metrics only')

    for (const id of ['a', 'b', 'c']) t.equal((await app.inject({ url: `/things/${id}` })).statusCode, 200)
    t.equal((await app.inject({ url: '/things/NOPE' })).statusCode, 400)
    t.equal((await app.inject({ url: '/nowhere/42' })).statusCode, 404)

    const { queues } = await app.bus.subscribe('refuse', {
      BusProbed: async () => {
        throw new NonRetryableError('this consumer refuses every probe')
      },
    })
    await app.bus.publish(createEvent('BusProbed', { n: 1 }, { producer: 'test' }))

    let text = ''
    await until('the dead letter to be counted', async () => {
      text = await scrape(served.url)
      return sample(text, 'kelmah_bus_consumed_total', { queue: queues.main, outcome: 'dead_lettered' }) === 1
    })
    const http = (route: string, status: string) =>
      sample(text, 'http_request_duration_seconds_count', {
        app: name,
        method: 'GET',
        route,
        status_code: status,
      })
    t.equal(http('/things/:id', '200'), 3, 'three requests under the route pattern, not three URLs')
    t.equal(http('/things/:id', '400'), 1, 'the refused one under its own status')
    t.equal(
      http('unmatched', '404'),
      2,
      'no route (/nowhere/42, /metrics on the app port): one bounded label',
    )
    t.notMatch(text, /route="\/things\/a"/, 'never the raw URL')
    t.ok(
      (sample(text, 'http_request_duration_seconds_bucket', {
        route: '/things/:id',
        status_code: '200',
        le: '+Inf',
      }) ?? 0) >= 3,
      'latency histogram',
    )
    t.equal(sample(text, 'kelmah_bus_published_total', { type: 'BusProbed', outcome: 'confirmed' }), 1)
    t.equal(
      sample(text, 'kelmah_bus_handler_duration_seconds_count', {
        queue: queues.main,
        type: 'BusProbed',
        outcome: 'error',
      }),
      1,
    )
    t.equal(
      sample(text, 'kelmah_bus_queue_messages', { queue: queues.main, kind: 'dlq' }),
      1,
      'the DLQ is not empty',
    )
    t.equal(sample(text, 'kelmah_bus_queue_messages', { queue: queues.main, kind: 'main' }), 0)
    for (const dependency of ['mongodb', 'redis', 'rabbitmq'])
      t.equal(sample(text, 'kelmah_dependency_up', { dependency }), 1, `${dependency} up`)
    t.match(text, /^kelmah_outbox_pending\{app="[^"]+"\} 0$/m)
    t.match(text, /^process_cpu_user_seconds_total /m, 'process metrics too')
  },
)

t.test('a WebSocket hub reports its connections at scrape time and counts frames by direction', async (t) => {
  const app = await buildService({ name: 'kit-ws', logLevel: false })
  t.teardown(() => app.close())
  let open = 3
  const ws = app.metrics.trackWebSockets(() => open)
  ws.frame('in')
  ws.frame('out')
  ws.frame('out')
  const served = await startMetricsServer(app, { port: 0, host: '127.0.0.1' })
  let text = await scrape(served.url)
  t.match(text, /^kelmah_ws_connections\{app="kit-ws"\} 3$/m)
  t.equal(sample(text, 'kelmah_ws_frames_total', { direction: 'in' }), 1)
  t.equal(sample(text, 'kelmah_ws_frames_total', { direction: 'out' }), 2)
  open = 1
  text = await scrape(served.url)
  t.match(text, /^kelmah_ws_connections\{app="kit-ws"\} 1$/m, 'read again at each scrape')
})

t.test('a write-behind reports its pending keys and the writes it gave up, at scrape time', async (t) => {
  const app = await buildService({ name: 'kit-wb', logLevel: false })
  t.teardown(() => app.close())
  const held: Array<() => void> = []
  const writes = new LatestWrites<string, number>({
    write: (_k, v) =>
      v < 0 ? Promise.reject(new Error('refused')) : new Promise<void>((resolve) => held.push(resolve)),
    supersedes: (a, b) => a >= b,
    onError: () => undefined,
    retryDelaysMs: [],
  })
  app.metrics.trackWriteBehind('demo', writes)
  writes.note('gone', -1)
  await writes.settled((k) => k === 'gone')
  writes.note('a', 1)
  writes.note('b', 2)
  const served = await startMetricsServer(app, { port: 0, host: '127.0.0.1' })
  let text = await scrape(served.url)
  t.equal(sample(text, 'kelmah_write_behind_pending', { writes: 'demo' }), 2)
  t.equal(sample(text, 'kelmah_write_behind_failed_total', { writes: 'demo' }), 1)
  for (const resolve of held) resolve()
  await writes.settled()
  text = await scrape(served.url)
  t.equal(sample(text, 'kelmah_write_behind_pending', { writes: 'demo' }), 0, 'read again at each scrape')
})
