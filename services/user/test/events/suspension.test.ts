import { createEvent } from '@kelmah/contracts'
import t from 'tap'
import type { ProfileDoc } from '../../src/models/profile.js'
import {
  buildTestApp,
  call,
  createUser,
  eventually,
  newUserId,
  userRegisteredEvent,
} from '../fixtures/app.js'

const ta = await buildTestApp()
t.teardown(() => ta.close())
const profileOf = async (id: string) => ta.app.mongo.collection<ProfileDoc>('profiles').findOne({ _id: id })

const at = (minutes: number) => new Date(Date.UTC(2026, 11, 3, 9, minutes))
const suspended = (userId: string, occurredAt: Date) =>
  createEvent('UserSuspended', { userId }, { producer: 'auth', occurredAt })
const reinstated = (userId: string, occurredAt: Date) =>
  createEvent('UserReinstated', { userId }, { producer: 'auth', occurredAt })

const hirer = ta.kit.sign({ role: 'hirer' })
const admin = ta.kit.sign({ role: 'admin' })
/** Ids of the workers a search for `q` returns. */
const found = async (query: string) =>
  ((await call(ta.app, 'GET', `/search?${query}`, undefined, hirer)).body.items as { id: string }[]).map(
    (i) => i.id,
  )
const usageOf = async (skill: string) =>
  (
    (await call(ta.app, 'GET', `/skills?q=${encodeURIComponent(skill)}`, undefined, hirer)).body.items as {
      name: string
      usage: number
    }[]
  ).find((s) => s.name === skill)?.usage ?? 0

t.test('UserSuspended / UserReinstated', async (t) => {
  t.test(
    'a suspended worker leaves search, its profile is a 404 to others but not to the owner or admins; reinstatement brings both back',
    async (t) => {
      const skill = `zyx-${newUserId().slice(5)}`
      const w = await createUser(ta, { patch: { displayName: 'Efua Sarpong', skills: [skill, 'react'] } })
      const other = await createUser(ta, { patch: { displayName: 'Kojo Ansah', skills: [skill] } })
      t.same((await found(`skills=${skill}`)).sort(), [w.id, other.id].sort())
      t.equal(await usageOf(skill), 2)
      const version = (await profileOf(w.id))?.profileVersion

      await ta.deliver(suspended(w.id, at(1)), 'profiles')
      t.same(await found(`skills=${skill}`), [other.id], 'gone from skill search')
      t.same(await found(`q=efua`), [], 'gone from word search')
      t.equal((await call(ta.app, 'GET', `/${w.id}`, undefined, hirer)).status, 404, 'others: 404')
      const notFound = await call(ta.app, 'GET', `/${w.id}`, undefined, hirer)
      t.match(notFound.body, { code: 'USER_ERR_PROFILE_NOT_FOUND' })
      t.equal(
        (await call(ta.app, 'GET', `/${w.id}`, undefined, w.token)).status,
        200,
        'the owner still sees it',
      )
      t.equal((await call(ta.app, 'GET', `/${w.id}`, undefined, admin)).status, 200, 'admins still see it')
      t.match((await call(ta.app, 'GET', '/me', undefined, w.token)).body, { suspended: true })
      t.equal(await usageOf(skill), 1, 'its skills left the catalogue counts')

      await ta.deliver(reinstated(w.id, at(2)), 'profiles')
      t.same((await found(`skills=${skill}`)).sort(), [w.id, other.id].sort(), 'back in search')
      t.equal((await call(ta.app, 'GET', `/${w.id}`, undefined, hirer)).status, 200, 'visible again')
      t.match(
        (await call(ta.app, 'GET', '/me', undefined, w.token)).body,
        { suspended: false, profileVersion: version },
        'not a profile change',
      )
      t.equal(await usageOf(skill), 2, 'skills counted again')
    },
  )

  t.test('duplicates change nothing: the counts move once', async (t) => {
    const skill = `dup-${newUserId().slice(5)}`
    const w = await createUser(ta, { patch: { skills: [skill] } })
    const event = suspended(w.id, at(3))
    await ta.deliver(event, 'profiles')
    await ta.events.publish(event) // a redelivery (the inbox drops it)
    await ta.deliver(suspended(w.id, at(3)), 'profiles') // the same fact under another event id
    t.equal(await usageOf(skill), 0, 'removed once, not below zero')
    t.match(await profileOf(w.id), { suspended: true, suspensionAt: at(3) })
    await ta.deliver(reinstated(w.id, at(4)), 'profiles')
    await ta.deliver(reinstated(w.id, at(4)), 'profiles')
    t.equal(await usageOf(skill), 1)
  })

  t.test('out of order: a late older event cannot undo a later one', async (t) => {
    const w = await createUser(ta, { patch: { displayName: 'Late Pair', skills: ['react'] } })
    // Suspended at 5, reinstated at 6, suspended again at 7 — delivered 7, 5, 6.
    await ta.deliver(suspended(w.id, at(7)), 'profiles')
    await ta.deliver(suspended(w.id, at(5)), 'profiles')
    await ta.deliver(reinstated(w.id, at(6)), 'profiles')
    t.match(await profileOf(w.id), { suspended: true, suspensionAt: at(7) }, 'the latest decision stands')
    t.notOk((await found('q=late+pair')).includes(w.id))
    // Reinstated at 9 arriving before suspended at 8.
    await ta.deliver(reinstated(w.id, at(9)), 'profiles')
    await ta.deliver(suspended(w.id, at(8)), 'profiles')
    t.match(await profileOf(w.id), { suspended: false, suspensionAt: at(9) })
    t.ok((await found('q=late+pair')).includes(w.id), 'listed: the reinstatement is the later fact')
  })

  t.test('a suspension arriving before the profile exists is retried until UserRegistered', async (t) => {
    const userId = newUserId()
    await ta.events.publish(suspended(userId, at(10)))
    await new Promise((r) => setTimeout(r, 200))
    await ta.deliver(userRegisteredEvent({ userId, name: 'Early Bird' }), 'profiles')
    await eventually(
      async () => ((await profileOf(userId))?.suspended === true ? true : undefined),
      15_000,
      'suspension applied on retry',
    )
    t.equal((await call(ta.app, 'GET', `/${userId}`, undefined, hirer)).status, 404)
  })

  t.test('a deactivated profile stays hidden when reinstated, and its counts stay out', async (t) => {
    const skill = `gone-${newUserId().slice(5)}`
    const w = await createUser(ta, { patch: { skills: [skill] } })
    await ta.deliver(suspended(w.id, at(11)), 'profiles')
    await ta.deliver(createEvent('UserDeactivated', { userId: w.id }, { producer: 'auth' }), 'profiles')
    const stored = async () =>
      (await ta.app.mongo.collection<{ _id: string; usage: number }>('skills').findOne({ _id: skill }))?.usage
    t.equal(await stored(), 0, 'removed once (suspension), not again (deactivation)')
    await ta.deliver(reinstated(w.id, at(12)), 'profiles')
    t.equal(await stored(), 0, 'not back: deactivated')
    t.equal((await call(ta.app, 'GET', `/${w.id}`, undefined, hirer)).status, 404)
  })
})
