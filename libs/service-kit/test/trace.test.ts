import t from 'tap'
import amqp from 'amqplib'
import { createEvent, traceIdOf } from '@kelmah/contracts'
import { dropDatabase, testEnv, uniqueMongoUrl, uniqueName } from '@kelmah/testing'
import { buildService, eventContextOf } from '../src/index.js'

const env = testEnv()

t.test('one trace id from an HTTP request to the handler of the event it caused', async (t) => {
  const mongoUrl = uniqueMongoUrl('kit_trace')
  const app = await buildService({
    name: uniqueName('kitt').replace(/[^a-z0-9]/g, ''),
    producer: 'test',
    logLevel: false,
    mongoUrl,
    amqpUrl: env.amqpUrl,
    busExchange: uniqueName('kit.trace'),
  })
  const handled: string[] = []
  app.post('/probes', async (request) => {
    const event = createEvent('BusProbed', { n: 1 }, eventContextOf(request))
    await app.bus.publish(event)
    return { traceparent: request.traceparent, eventTraceparent: event.traceparent }
  })
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
  await app.bus.subscribe('traced', {
    BusProbed: async (_event, ctx) => {
      handled.push(ctx.traceparent!)
    },
  })

  const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
  const res = await app.inject({ method: 'POST', url: '/probes', headers: { traceparent: incoming } })
  const { traceparent, eventTraceparent } = res.json<{ traceparent: string; eventTraceparent: string }>()
  t.equal(
    traceIdOf(traceparent),
    '0af7651916cd43dd8448eb211c80319c',
    'the request continues the caller’s trace',
  )
  t.not(traceparent, incoming, 'as a span of its own')
  t.equal(eventTraceparent, traceparent, 'the event carries the request’s span')
  const deadline = Date.now() + 10_000
  while (handled.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  t.equal(handled.length, 1)
  t.equal(
    traceIdOf(handled[0]!),
    '0af7651916cd43dd8448eb211c80319c',
    'the consumer’s handler is in the same trace',
  )
  t.not(handled[0], traceparent, 'as its own span')

  const fresh = (await app.inject({ method: 'POST', url: '/probes' })).json<{ traceparent: string }>()
  t.not(traceIdOf(fresh.traceparent), '0af7651916cd43dd8448eb211c80319c', 'no header: a new trace')
})
