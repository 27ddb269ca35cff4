import t from 'tap'
import { changesSkills, newProfile, profileChange } from '../../src/domain/profile.js'
import type { ProfileDoc } from '../../src/models/profile.js'

const ctx = { producer: 'user' as const, correlationId: 'req-1' }
const now = new Date('2026-06-15T10:00:00Z')

function profile(over: Partial<ProfileDoc> = {}): ProfileDoc {
  const { doc } = newProfile({ _id: 'user-1', role: 'worker', displayName: 'Ama Mensah' }, now, ctx)
  return {
    ...doc,
    bio: null,
    avatarUrl: null,
    timezone: null,
    languages: [],
    experience: [],
    portfolio: [],
    company: null,
    rating: { average: 0, count: 0, sequence: 0 },
    deactivated: false,
    deactivatedAt: null,
    outbox: [],
    ...over,
  }
}

t.test('newProfile', async (t) => {
  t.test('starts at version 1 with keywords and the creation event (changed: [])', async (t) => {
    const { doc, event } = newProfile({ _id: 'user-1', role: 'worker', displayName: 'Ama Mensah' }, now, ctx)
    t.match(doc, {
      _id: 'user-1',
      role: 'worker',
      profileVersion: 1,
      availability: 'available',
      skills: [],
      createdAt: now,
      updatedAt: now,
    })
    t.ok(doc.keywords.includes('ama'))
    t.match(event, {
      type: 'ProfileUpdated',
      producer: 'user',
      correlationId: 'req-1',
      data: { userId: 'user-1', profileVersion: 1, changed: [] },
    })
  })

  t.test('gives hirers no availability', async (t) => {
    const { doc } = newProfile({ _id: 'h', role: 'hirer', displayName: '' }, now, ctx)
    t.equal(doc.availability, null)
  })
})

t.test('profileChange', async (t) => {
  t.test('sets only the changed fields and the keywords, with an event at the next version', async (t) => {
    const current = profile({ profileVersion: 3 })
    const decision = profileChange(current, () => ({ headline: 'Plumber', displayName: 'Ama Mensah' }), ctx)
    t.same(Object.keys(decision?.set ?? {}).sort(), ['headline', 'keywords'])
    t.ok((decision?.set?.keywords as string[]).includes('plumber'))
    t.match(decision?.events, [
      { type: 'ProfileUpdated', data: { profileVersion: 4, headline: 'Plumber', changed: ['headline'] } },
    ])
    t.notOk(changesSkills(decision))
    t.ok(changesSkills(profileChange(current, () => ({ skills: ['plumbing'] }), ctx)))
  })

  t.test('is null when nothing differs or the edit has nothing to do', async (t) => {
    const current = profile()
    t.equal(
      profileChange(current, () => ({ displayName: 'Ama Mensah' }), ctx),
      null,
    )
    t.equal(
      profileChange(current, () => undefined, ctx),
      null,
    )
  })

  t.test('refuses a deactivated profile before the edit runs, unless allowed', async (t) => {
    const current = profile({ deactivated: true })
    t.throws(
      () =>
        profileChange(
          current,
          () => {
            throw new Error('edit ran')
          },
          ctx,
        ),
      { code: 'USER_ERR_PROFILE_DEACTIVATED' },
    )
    t.ok(profileChange(current, () => ({ displayName: 'New' }), ctx, { allowDeactivated: true }))
  })
})
