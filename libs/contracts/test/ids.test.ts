import { Ajv } from 'ajv'
import fc from 'fast-check'
import t from 'tap'
import { createEvent, Id, ID_MAX_LENGTH, isId, ObjectIdString } from '../src/index.js'

const ajv = new Ajv({ strict: false })
const validId = ajv.compile(Id)
const validObjectId = ajv.compile(ObjectIdString)
const ctx = { producer: 'test' as const }

t.test('every id Kelmah makes is an Id; longer or odder strings are not', async (t) => {
  for (const id of [
    '65a1f0c2e4b0a1b2c3d4e5f6',
    'esc_65a1f0c2e4b0a1b2c3d4e5f6_12',
    'po_65a1f0c2e4b0a1b2c3d4e5f6',
    '3b241101-e2bb-4255-8caf-4136c566a962',
    'user-1a2b3c4d',
    'x'.repeat(ID_MAX_LENGTH),
  ]) {
    t.ok(validId(id), `${id} is an Id`)
    t.ok(isId(id))
  }
  for (const id of ['', 'x'.repeat(ID_MAX_LENGTH + 1), 'a b', 'a/b', 'é', 'a:b', '../x', 'a%2F']) {
    t.notOk(validId(id), `${JSON.stringify(id)} is not an Id`)
    t.notOk(isId(id))
  }
})

t.test(
  'an ObjectId string is always an Id (a route may be stricter than its events, never looser)',
  async (t) => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-fA-F]{24}$/), (id) => validObjectId(id) && validId(id)),
      { seed: 14, numRuns: 200 },
    )
    t.pass('200 generated ObjectIds are Ids')
  },
)

t.test('any Id a route accepts fits the events that carry it', async (t) => {
  fc.assert(
    fc.property(
      fc.stringMatching(/^[A-Za-z0-9_-]+$/).filter((s) => s.length <= ID_MAX_LENGTH),
      (id) => {
        createEvent('ConversationCreated', { conversationId: id, participantIds: [id, id] }, ctx)
        createEvent('UserDeactivated', { userId: id }, ctx)
        return validId(id)
      },
    ),
    { seed: 14, numRuns: 200 },
  )
  t.throws(
    () => createEvent('UserDeactivated', { userId: 'x'.repeat(ID_MAX_LENGTH + 1) }, ctx),
    { name: 'EventValidationError' },
    'one character over is refused by the event as by the routes',
  )
})
