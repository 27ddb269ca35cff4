import t from 'tap'
import { createEvent, validateEvent, EventValidationError, routingKeyOf } from '../src/index.js'

t.test('createEvent makes a valid envelope with a uuid id and ISO time', async (t) => {
  const e = createEvent(
    'UserRegistered',
    { userId: 'u1', email: 'a@example.com', name: 'A', role: 'worker' },
    { producer: 'auth', correlationId: 'req-1' },
  )
  t.match(e.id, /^[0-9a-f-]{36}$/)
  t.equal(e.version, 1)
  t.equal(e.correlationId, 'req-1')
  t.ok(!Number.isNaN(Date.parse(e.occurredAt)))
  t.equal(validateEvent(e), e)
})

t.test('createEvent refuses data that breaks the schema, naming the field', async (t) => {
  t.throws(
    () =>
      createEvent(
        'UserRegistered',
        { userId: 'u1', email: 'not-an-email', name: 'A', role: 'worker' },
        { producer: 'auth' },
      ),
    { name: 'EventValidationError', message: /\/data\/email/ },
  )
})

t.test('validateEvent rejects unknown types and extra envelope fields', async (t) => {
  t.throws(() => validateEvent({ type: 'Nope' }), EventValidationError)
  const e = createEvent('EmailVerified', { userId: 'u1', email: 'a@example.com' }, { producer: 'auth' })
  t.throws(() => validateEvent({ ...e, extra: 1 }), /invalid EmailVerified/)
  t.throws(() => validateEvent({ ...e, id: 'x' }), /\/id/)
})

t.test('routing keys follow <producer>.<aggregate>.<fact>', async (t) => {
  t.equal(routingKeyOf('UserRegistered'), 'auth.user.registered')
})
