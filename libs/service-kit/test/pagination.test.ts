import t from 'tap'
import { afterPosition, decodeCursor, encodeCursor, pageOf } from '../src/index.js'

t.test('a cursor round-trips its position', async (t) => {
  const c = encodeCursor(['2026-11-23T10:00:00.000Z', 'abc'])
  t.same(decodeCursor(c, 2), ['2026-11-23T10:00:00.000Z', 'abc'])
  t.equal(decodeCursor(undefined, 2), undefined)
})

t.test('a foreign or tampered cursor is a 400 naming the cursor field', async (t) => {
  for (const bad of [
    'not-base64-json',
    encodeCursor(['only-one']),
    Buffer.from('{"a":1}').toString('base64url'),
  ]) {
    let caught: unknown
    try {
      decodeCursor(bad, 2)
    } catch (err) {
      caught = err
    }
    t.match(caught, { statusCode: 400, fieldErrors: [{ field: 'cursor' }] })
  }
})

t.test('pageOf keeps limit items and points the cursor at the last one kept', async (t) => {
  const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }]
  const page = pageOf(rows, 2, (r) => [r.id])
  t.same(page.items, [{ id: 'a' }, { id: 'b' }])
  t.same(decodeCursor(page.nextCursor ?? undefined, 1), ['b'])
  t.same(pageOf(rows, 3, (r) => [r.id]).nextCursor, null)
})

t.test('afterPosition is strictly after the position in the keyset order', async (t) => {
  t.same(afterPosition('createdAt', [5, 'x']), {
    $or: [{ createdAt: { $lt: 5 } }, { createdAt: 5, _id: { $lt: 'x' } }],
  })
  t.same((afterPosition('n', [5, 'x'], { direction: 1 }).$or as unknown[])[0], { n: { $gt: 5 } })
})
