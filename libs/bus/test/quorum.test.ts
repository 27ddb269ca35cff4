import t from 'tap'
import type { Options } from 'amqplib'
import { createEvent, type DomainEvent } from '@kelmah/contracts'
import {
  NonRetryableError,
  OutboxRelay,
  queueArguments,
  toOutbox,
  type BusMetrics,
  type ConsumeOutcome,
} from '../src/index.js'
import { testInfra, testLogger, waitFor, withChannel } from './helpers/infra.js'
import { jobModel } from './fixtures/job-model.js'

function probe(n: number, fail?: string) {
  return createEvent('BusProbed', { n, ...(fail ? { fail } : {}) }, { producer: 'test' })
}

/** Hooks that record what the bus reports. */
function recorder() {
  const published: string[] = []
  const consumed: ConsumeOutcome[] = []
  const handled: boolean[] = []
  const metrics: BusMetrics = {
    published: (type, outcome) => published.push(`${type}:${outcome}`),
    consumed: (_queue, outcome) => consumed.push(outcome),
    handled: (_queue, _type, seconds, ok) => {
      if (seconds >= 0) handled.push(ok)
    },
  }
  return { metrics, published, consumed, handled }
}

t.test(
  'AMQP_QUEUE_TYPE=quorum: main, retry and dead-letter queues are quorum queues and retry and DLQ still work',
  async (t) => {
    // Fresh names (testInfra): an existing classic queue cannot be redeclared as quorum.
    const infra = await testInfra(t, ['quorum'])
    const seen = recorder()
    const bus = infra.bus({ queueType: 'quorum', metrics: seen.metrics })
    await bus.start()
    const attempts = new Map<number, number>()
    const { queues } = await bus.subscribe('quorum', {
      BusProbed: async (event) => {
        const n = event.data.n
        attempts.set(n, (attempts.get(n) ?? 0) + 1)
        if (event.data.fail === 'never') throw new NonRetryableError('refused for good')
        if (event.data.fail === 'once' && attempts.get(n) === 1) throw new Error('not yet')
      },
    })
    await bus.publish(probe(1, 'once'))
    await bus.publish(probe(2, 'never'))
    // The retry queue's TTL dead-letters back to the main queue (at-least-once dead-lettering).
    await waitFor('the retried event handled', () => seen.consumed.includes('handled'), 10_000)
    await waitFor('the refused event parked', () => seen.consumed.includes('dead_lettered'), 10_000)
    t.equal(attempts.get(1), 2, 'handled on its second attempt, from the quorum retry queue')
    t.same(seen.published, ['BusProbed:confirmed', 'BusProbed:confirmed'])
    t.same(seen.consumed.slice().sort(), ['dead_lettered', 'handled', 'retried'])
    t.same(seen.handled.slice().sort(), [false, false, true])
    const depths = await bus.queueDepths()
    t.same(
      depths.find((d) => d.kind === 'dlq'),
      { queue: queues.main, kind: 'dlq', messages: 1 },
      'the DLQ holds the refused event',
    )

    // Each queue is a quorum queue: the same declaration as a classic queue is refused (406), as quorum accepted.
    const q = queueArguments('quorum')
    // The same arguments but the type, so that the type is the one difference the broker can name.
    const classic = {
      plain: { ...q.plain, 'x-queue-type': 'classic' },
      deadLettering: { ...q.deadLettering, 'x-queue-type': 'classic' },
    }
    const declarations: Array<[string, Options.AssertQueue, Options.AssertQueue]> = [
      [queues.dlq, { durable: true, arguments: q.plain }, { durable: true, arguments: classic.plain }],
      ...[queues.main, ...queues.retry].map((name, i): [string, Options.AssertQueue, Options.AssertQueue] => {
        const base: Options.AssertQueue = {
          durable: true,
          deadLetterExchange: '',
          deadLetterRoutingKey: i === 0 ? queues.dlq : queues.main,
          ...(i === 0 ? {} : { messageTtl: infra.retryDelaysMs[i - 1] }),
        }
        return [name, { ...base, arguments: q.deadLettering }, { ...base, arguments: classic.deadLettering }]
      }),
    ]
    for (const [name, asQuorum, asClassic] of declarations) {
      const outcome = (opts: Options.AssertQueue) =>
        withChannel(async (ch) => {
          ch.on('error', () => undefined)
          return ch.assertQueue(name, opts).then(
            () => 'accepted',
            (err: Error) => err.message,
          )
        })
      t.equal(await outcome(asQuorum), 'accepted', `${name} is declared as a quorum queue`)
      t.match(await outcome(asClassic), /PRECONDITION_FAILED.*x-queue-type/, `${name} is not a classic queue`)
    }
  },
)

t.test(
  'queue arguments: classic declares none, quorum sets the type and at-least-once dead-lettering',
  async (t) => {
    t.same(queueArguments('classic'), { plain: {}, deadLettering: {} })
    t.same(queueArguments('quorum'), {
      plain: { 'x-queue-type': 'quorum' },
      deadLettering: {
        'x-queue-type': 'quorum',
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      },
    })
  },
)

t.test(
  'the relay reports entries it cannot publish as backlog, with the oldest age, until they go out',
  async (t) => {
    const infra = await testInfra(t, [])
    const Job = jobModel(infra.db)
    const old = { ...probe(1), occurredAt: new Date(Date.now() - 90_000).toISOString() } as DomainEvent
    await Job.create({ _id: 'j', status: 'open', outbox: toOutbox([old, probe(2)]) })
    let fail = true
    const relay = new OutboxRelay({
      bus: {
        publish: async () => {
          if (fail) throw new Error('broker away')
        },
      },
      models: [Job],
      logger: testLogger(),
      intervalMs: 60_000,
    })
    t.teardown(() => relay.stop())
    t.same(relay.backlog(), { pending: 0, oldestOccurredAtMs: undefined })
    relay.start()
    await relay.kick()
    const stuck = relay.backlog()
    t.equal(stuck.pending, 2)
    t.equal(stuck.oldestOccurredAtMs, Date.parse(old.occurredAt), 'the oldest entry, by occurredAt')
    fail = false
    await relay.sweep()
    t.same(relay.backlog(), { pending: 0, oldestOccurredAtMs: undefined }, 'cleared once confirmed')
  },
)
