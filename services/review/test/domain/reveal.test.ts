/** The double-blind rules of src/domain/reveal.ts. */
import t from 'tap'
import { canSee, counts, revealDue, statusOf } from '../../src/domain/reveal.js'

const closesAt = new Date('2026-03-15T10:00:00.000Z')
const before = new Date(closesAt.getTime() - 1)

t.test('revealDue: both reviews, or the window closed', async (t) => {
  t.equal(revealDue(0, { closesAt }, before), null)
  t.equal(revealDue(1, { closesAt }, before), null)
  t.equal(revealDue(2, { closesAt }, before), 'both_submitted')
  t.equal(revealDue(2, { closesAt }, closesAt), 'both_submitted')
  t.equal(revealDue(1, { closesAt }, closesAt), 'window_closed')
  t.equal(revealDue(0, { closesAt }, new Date(closesAt.getTime() + 1)), 'window_closed')
})

t.test('canSee: the author and admins always, everyone else once revealed and not hidden', async (t) => {
  const hiddenUntilReveal = { authorId: 'a', revealedAt: null, hidden: false }
  t.ok(canSee(hiddenUntilReveal, { sub: 'a', role: 'hirer' }), 'the author sees their own review')
  t.notOk(canSee(hiddenUntilReveal, { sub: 's', role: 'worker' }), 'the subject does not')
  t.notOk(canSee(hiddenUntilReveal, { sub: 'x', role: 'hirer' }), 'nor does anyone else')
  t.ok(canSee(hiddenUntilReveal, { sub: 'z', role: 'admin' }), 'admins do')
  const revealed = { authorId: 'a', revealedAt: closesAt, hidden: false }
  t.ok(canSee(revealed, { sub: 's', role: 'worker' }))
  t.ok(canSee(revealed, { sub: 'x', role: 'hirer' }))
  const moderated = { authorId: 'a', revealedAt: closesAt, hidden: true }
  t.notOk(canSee(moderated, { sub: 's', role: 'worker' }))
  t.ok(canSee(moderated, { sub: 'a', role: 'hirer' }))
  t.ok(canSee(moderated, { sub: 'z', role: 'admin' }))
})

t.test('statusOf and counts', async (t) => {
  t.equal(statusOf({ authorId: 'a', revealedAt: null, hidden: false }), 'awaiting_reveal')
  t.equal(statusOf({ authorId: 'a', revealedAt: closesAt, hidden: false }), 'published')
  t.equal(statusOf({ authorId: 'a', revealedAt: closesAt, hidden: true }), 'hidden')
  t.notOk(counts({ revealedAt: null, hidden: false }))
  t.ok(counts({ revealedAt: closesAt, hidden: false }))
  t.notOk(counts({ revealedAt: closesAt, hidden: true }))
})
