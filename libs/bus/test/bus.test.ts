import t from 'tap'
import { createEvent, EventValidationError, type EventOf } from '@kelmah/contracts'
import {
  HEADERS,
  NonRetryableError,
  listDeadLetters,
  replayDeadLetters,
  type HandlerContext,
} from '../src/index.js'
import { main as dlqCli } from '../src/cli/dlq.js'
import { AMQP_URL, depth, sleep, testInfra, waitFor, withChannel } from './helpers/infra.js'

function probe(n: number, extra: { note?: string; fail?: string } = {}) {
  return createEvent('BusProbed', { n, ...extra }, { producer: 'test', correlationId: `req-${n}` })
}

t.test('a published event reaches a subscriber with its envelope, routing key and attempt 1', async (t) => {
  const infra = await testInfra(t, ['seen'])
  const bus = infra.bus()
  await bus.start()
  t.ok(bus.isConnected())
  const got: { event: EventOf<'BusProbed'>; ctx: HandlerContext }[] = []
  await bus.subscribe('seen', {
    BusProbed: async (event, ctx) => {
      got.push({ event, ctx })
    },
  })
  const sent = probe(1, { note: 'hello' })
  await bus.publish(sent)
  await waitFor('delivery', () => got.length === 1)
  t.same(got[0]!.event, sent)
  t.equal(got[0]!.ctx.attempt, 1)
  t.equal(got[0]!.ctx.routingKey, 'test.bus.probed')
  t.equal(got[0]!.ctx.queue, `${infra.service}.seen`)
  t.ok(got[0]!.ctx.logger)
  // The context of the events the handler causes: same chain, this event as the cause.
  t.equal(got[0]!.ctx.correlationId, 'req-1', 'the correlation id is kept')
  t.equal(got[0]!.ctx.causationId, sent.id, 'the handled event is the cause')
  t.equal(got[0]!.ctx.producer, 'test')
  const caused = createEvent('BusProbed', { n: 2 }, got[0]!.ctx)
  t.equal(caused.correlationId, 'req-1')
  t.equal(caused.causationId, sent.id)
  // acked and recorded: nothing left, inbox has it
  await waitFor('inbox record', () =>
    infra.db.collection('inbox').findOne({ _id: `${infra.service}.seen:${sent.id}` as never }),
  )
  t.equal(await depth(`${infra.service}.seen`), 0)
})

t.test('publish refuses an event that breaks its schema and sends nothing', async (t) => {
  const infra = await testInfra(t, [])
  const bus = infra.bus()
  await bus.start()
  const bad = { ...probe(1), data: { n: 'one' } } as unknown as EventOf<'BusProbed'>
  await t.rejects(bus.publish(bad), EventValidationError)
})

t.test('publishing the same event twice runs the handler once', async (t) => {
  const infra = await testInfra(t, ['dedupe'])
  const bus = infra.bus()
  await bus.start()
  let calls = 0
  await bus.subscribe('dedupe', {
    BusProbed: async () => {
      calls++
      await sleep(30)
    },
  })
  const event = probe(7)
  await Promise.all([bus.publish(event), bus.publish(event)])
  await waitFor(
    'both copies consumed',
    async () => calls >= 1 && (await depth(`${infra.service}.dedupe`)) === 0,
  )
  await sleep(200)
  // and a late third copy, after the first was recorded
  await bus.publish(event)
  await sleep(300)
  t.equal(calls, 1)
  t.equal(await infra.db.collection('inbox').countDocuments({}), 1)
})

t.test(
  'a failing handler is retried with growing delay, then parked in the DLQ with its error; replay delivers it again',
  async (t) => {
    const infra = await testInfra(t, ['flaky'], [50, 150])
    const bus = infra.bus()
    await bus.start()
    const queue = `${infra.service}.flaky`
    const attempts: { attempt: number; at: number }[] = []
    let healthy = false
    await bus.subscribe('flaky', {
      BusProbed: async (event, ctx) => {
        attempts.push({ attempt: ctx.attempt, at: Date.now() })
        if (!healthy) throw new Error(`boom on ${event.data.n}`)
      },
    })
    const event = probe(3)
    await bus.publish(event)
    await waitFor('dead letter', async () => (await depth(`${queue}.dlq`)) === 1)
    t.same(
      attempts.map((a) => a.attempt),
      [1, 2, 3],
      'one first try plus one retry per delay',
    )
    t.ok(attempts[1]!.at - attempts[0]!.at >= 45, 'first retry waits ~50 ms')
    t.ok(attempts[2]!.at - attempts[1]!.at >= 140, 'second retry waits ~150 ms')

    const listed = await listDeadLetters({ url: AMQP_URL, queue })
    t.equal(listed.length, 1)
    t.match(listed[0], {
      id: event.id,
      type: 'BusProbed',
      error: 'boom on 3',
      attempts: 3,
      routingKey: 'test.bus.probed',
    })
    t.equal(await depth(`${queue}.dlq`), 1, 'listing leaves the message in the DLQ')
    t.same(await listDeadLetters({ url: AMQP_URL, queue }), listed, 'a second look sees the same')

    const lines: string[] = []
    t.equal(await dlqCli(['list', queue], (l) => lines.push(l)), 0)
    t.match(lines.join('\n'), new RegExp(`${event.id}\\s+BusProbed\\s+attempts=3\\s+error=boom on 3`))

    healthy = true
    const result = await replayDeadLetters({ url: AMQP_URL, queue, id: event.id })
    t.same(result, { replayed: [event.id], kept: 0 })
    await waitFor('replayed delivery', () => attempts.length === 4)
    t.equal(attempts[3]!.attempt, 1, 'a replay gets a fresh retry budget')
    await waitFor('inbox record', () => infra.db.collection('inbox').countDocuments({}))
    t.equal(await depth(`${queue}.dlq`), 0)
    t.equal(await depth(queue), 0)
  },
)

t.test(
  'replay --all through the CLI sends every parked message back; --id of an unknown event changes nothing',
  async (t) => {
    const infra = await testInfra(t, ['parked'], [20])
    const bus = infra.bus()
    await bus.start()
    const queue = `${infra.service}.parked`
    let healthy = false
    const handled: number[] = []
    await bus.subscribe('parked', {
      BusProbed: async (event) => {
        if (!healthy) throw new NonRetryableError('not now')
        handled.push(event.data.n)
      },
    })
    await bus.publish(probe(1))
    await bus.publish(probe(2))
    await waitFor('two dead letters', async () => (await depth(`${queue}.dlq`)) === 2)
    const out: string[] = []
    const err: string[] = []
    t.equal(
      await dlqCli(['replay', queue, '--id', '00000000-0000-4000-8000-000000000000'], (l) => out.push(l)),
      1,
    )
    t.equal(await depth(`${queue}.dlq`), 2)
    t.equal(
      await dlqCli(
        ['replay', queue],
        (l) => out.push(l),
        (l) => err.push(l),
      ),
      2,
      'replay needs --id or --all',
    )
    t.equal(
      await dlqCli(
        ['replay', queue, '--all', '--id', 'x'],
        (l) => out.push(l),
        (l) => err.push(l),
      ),
      2,
    )
    healthy = true
    t.equal(await dlqCli(['replay', queue, '--all', '--url', AMQP_URL], (l) => out.push(l)), 0)
    await waitFor('both handled', () => handled.length === 2)
    t.same(handled.sort(), [1, 2])
    t.match(out.join('\n'), /replayed 2 message\(s\)/)
  },
)

t.test('a NonRetryableError goes straight to the DLQ after one attempt', async (t) => {
  const infra = await testInfra(t, ['strict'])
  const bus = infra.bus()
  await bus.start()
  let calls = 0
  await bus.subscribe('strict', {
    BusProbed: async () => {
      calls++
      throw new NonRetryableError('job 42 does not exist')
    },
  })
  const event = probe(5)
  await bus.publish(event)
  await waitFor('dead letter', async () => (await depth(`${infra.service}.strict.dlq`)) === 1)
  t.equal(calls, 1)
  const [letter] = await listDeadLetters({ url: AMQP_URL, queue: `${infra.service}.strict` })
  t.match(letter, { id: event.id, attempts: 1, error: 'job 42 does not exist' })
})

t.test('an invalid message is dead-lettered at once and never reaches the handler', async (t) => {
  const infra = await testInfra(t, ['picky'])
  const bus = infra.bus()
  await bus.start()
  let calls = 0
  await bus.subscribe('picky', {
    BusProbed: async () => {
      calls++
    },
  })
  const queue = `${infra.service}.picky`
  await withChannel(async (ch) => {
    ch.sendToQueue(queue, Buffer.from('{not json'), { messageId: 'garbage' })
    ch.sendToQueue(queue, Buffer.from(JSON.stringify({ ...probe(1), data: { n: 'x' } })), {
      messageId: 'bad-data',
    })
    await sleep(50)
  })
  await waitFor('two dead letters', async () => (await depth(`${queue}.dlq`)) === 2)
  t.equal(calls, 0)
  const letters = await listDeadLetters({ url: AMQP_URL, queue })
  t.same(
    letters.map((l) => [l.id, l.attempts]),
    [
      ['garbage', 1],
      ['bad-data', 1],
    ],
  )
  t.match(letters[0]!.error, /JSON/)
  t.match(letters[1]!.error, /invalid BusProbed event: \/data\/n/)
})

t.test('close() waits for a running handler, whose ack still goes out', async (t) => {
  const infra = await testInfra(t, ['slow'])
  const bus = infra.bus()
  await bus.start()
  let finished = false
  let started = false
  await bus.subscribe('slow', {
    BusProbed: async () => {
      started = true
      await sleep(300)
      finished = true
    },
  })
  await bus.publish(probe(1))
  await waitFor('handler started', () => started)
  await bus.close()
  t.ok(finished, 'handler finished before close resolved')
  t.notOk(bus.isConnected())
  t.equal(await depth(`${infra.service}.slow`), 0, 'message was acked, not requeued')
  await t.rejects(bus.publish(probe(2)), { name: 'PublishError' })
})

t.test('dead-letter headers name the error, attempts and original routing key', async (t) => {
  const infra = await testInfra(t, ['headers'], [10])
  const bus = infra.bus()
  await bus.start()
  await bus.subscribe('headers', {
    BusProbed: async () => {
      throw new Error('x'.repeat(5000))
    },
  })
  await bus.publish(probe(1))
  const queue = `${infra.service}.headers`
  await waitFor('dead letter', async () => (await depth(`${queue}.dlq`)) === 1)
  const headers = await withChannel(async (ch) => {
    const msg = await ch.get(`${queue}.dlq`, { noAck: false })
    if (!msg) throw new Error('no message')
    ch.nack(msg, false, true)
    return msg.properties.headers ?? {}
  })
  t.equal(headers[HEADERS.attempts], 2)
  t.equal(headers[HEADERS.routingKey], 'test.bus.probed')
  t.equal(headers[HEADERS.queue], queue)
  t.ok(String(headers[HEADERS.error]).length <= 1001, 'long error messages are truncated')
  t.notOk('x-death' in headers && Array.isArray(headers['x-death']) && headers['x-death'].length > 1)
})

t.test(
  'subscribe rejects when an existing queue has other arguments, and the process lives on',
  async (t) => {
    const infra = await testInfra(t, ['clash'])
    await withChannel(async (ch) => void (await ch.assertQueue(`${infra.service}.clash`, { durable: true })))
    const bus = infra.bus()
    await bus.start()
    await t.rejects(bus.subscribe('clash', { BusProbed: async () => undefined }), /PRECONDITION_FAILED|406/)
    t.ok(bus.isConnected(), 'the connection survives a channel-level refusal')
    await bus.publish(probe(1)) // and the publisher channel still works
  },
)

t.test('one queue dispatches each event type to its own handler', async (t) => {
  const infra = await testInfra(t, ['mapped'])
  const bus = infra.bus()
  await bus.start()
  const seen: string[] = []
  await bus.subscribe(
    'mapped',
    {
      BusProbed: async (event) => {
        seen.push(`probed:${event.data.n}`)
      },
      UserRegistered: async (event) => {
        seen.push(`registered:${event.data.userId}`)
      },
    },
    { prefetch: 2 },
  )
  await bus.publish(probe(7))
  await bus.publish(
    createEvent(
      'UserRegistered',
      { userId: 'u-1', email: 'u1@example.com', name: 'Ama', role: 'worker' },
      { producer: 'auth' },
    ),
  )
  await waitFor('both deliveries', () => seen.length === 2)
  t.same(seen.sort(), ['probed:7', 'registered:u-1'])
  await t.rejects(bus.subscribe('empty', {}), /at least one event handler/)
})
