import t from 'tap'
import { canSeeProfile, suspensionChange } from '../../src/domain/suspension.js'

const t1 = new Date('2026-12-01T10:00:00.000Z')
const t2 = new Date('2026-12-01T11:00:00.000Z')
const skills = ['react', 'node.js']

t.test('suspensionChange', async (t) => {
  t.test('suspends a listed profile: its skills leave the catalogue counts', async (t) => {
    t.same(suspensionChange({ suspended: false, suspensionAt: null, skills }, true, t1), {
      set: { suspended: true, suspensionAt: t1 },
      catalogue: { before: skills, after: [] },
    })
  })

  t.test('reads a profile stored before the fields existed as never suspended', async (t) => {
    t.same(suspensionChange({ skills }, true, t1)?.catalogue, { before: skills, after: [] })
  })

  t.test('reinstates: the skills come back', async (t) => {
    t.same(suspensionChange({ suspended: true, suspensionAt: t1, skills }, false, t2), {
      set: { suspended: false, suspensionAt: t2 },
      catalogue: { before: [], after: skills },
    })
  })

  t.test('an event not later than the last applied one is stale (duplicates, late arrivals)', async (t) => {
    t.equal(suspensionChange({ suspended: true, suspensionAt: t1 }, true, t1), undefined, 'same event again')
    t.equal(
      suspensionChange({ suspended: false, suspensionAt: t2 }, true, t1),
      undefined,
      'a suspension older than the reinstatement already applied',
    )
    t.equal(suspensionChange({ suspended: true, suspensionAt: t2 }, false, t1), undefined)
  })

  t.test('a later event of the same state only moves the stamp', async (t) => {
    t.same(suspensionChange({ suspended: true, suspensionAt: t1, skills }, true, t2), {
      set: { suspended: true, suspensionAt: t2 },
      catalogue: null,
    })
  })

  t.test('a deactivated profile never moves the counts (its skills left them for good)', async (t) => {
    t.equal(suspensionChange({ deactivated: true, skills }, true, t1)?.catalogue, null)
    t.equal(
      suspensionChange({ deactivated: true, suspended: true, suspensionAt: t1, skills }, false, t2)
        ?.catalogue,
      null,
    )
  })
})

t.test('canSeeProfile', async (t) => {
  const owner = { sub: 'u-1', role: 'worker' as const }
  const other = { sub: 'u-2', role: 'hirer' as const }
  const admin = { sub: 'a-1', role: 'admin' as const }
  t.ok(canSeeProfile({ _id: 'u-1' }, other), 'an active profile: anyone')
  t.notOk(canSeeProfile({ _id: 'u-1', suspended: true }, other), 'suspended: not others')
  t.ok(canSeeProfile({ _id: 'u-1', suspended: true }, owner), 'suspended: the owner')
  t.ok(canSeeProfile({ _id: 'u-1', suspended: true }, admin), 'suspended: admins')
  t.notOk(canSeeProfile({ _id: 'u-1', deactivated: true }, owner), 'deactivated: nobody')
  t.notOk(canSeeProfile({ _id: 'u-1', deactivated: true }, admin))
})
