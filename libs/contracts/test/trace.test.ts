import t from 'tap'
import {
  childTraceparent,
  contextFromEvent,
  createEvent,
  isTraceparent,
  traceIdOf,
  validateEvent,
} from '../src/index.js'

const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'

t.test('a child traceparent keeps the trace id and flags with a new parent id', async (t) => {
  const child = childTraceparent(parent)
  t.ok(isTraceparent(child))
  t.equal(traceIdOf(child), '4bf92f3577b34da6a3ce929d0e0e4736')
  t.not(child.slice(36, 52), '00f067aa0ba902b7', 'a new span')
  t.equal(child.slice(53), '01')
  t.equal(
    childTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00').slice(53),
    '00',
    'not sampled stays so',
  )
})

t.test('a missing or malformed traceparent starts a new trace', async (t) => {
  for (const bad of [
    undefined,
    '',
    'garbage',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    parent.toUpperCase(),
  ]) {
    const fresh = childTraceparent(bad)
    t.ok(isTraceparent(fresh), `from ${JSON.stringify(bad)}`)
    t.not(traceIdOf(fresh), traceIdOf(parent))
  }
})

t.test('the envelope carries the traceparent and the handler context continues its trace', async (t) => {
  const event = createEvent('BusProbed', { n: 1 }, { producer: 'test', traceparent: parent })
  t.equal(event.traceparent, parent)
  t.same(validateEvent(JSON.parse(JSON.stringify(event))), event, 'valid on the wire')
  const ctx = contextFromEvent(event, 'test')
  t.equal(traceIdOf(ctx.traceparent!), traceIdOf(parent))
  const caused = createEvent('BusProbed', { n: 2 }, ctx)
  t.equal(traceIdOf(caused.traceparent ?? ''), traceIdOf(parent), 'the next event stays in the trace')
  t.notOk('traceparent' in createEvent('BusProbed', { n: 3 }, { producer: 'test' }), 'optional')
  t.throws(() => validateEvent({ ...event, traceparent: 'not-a-traceparent' }), 'malformed ones are refused')
})
