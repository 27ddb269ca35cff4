import { createEvent } from '@kelmah/contracts'
import { eventProbe } from '@kelmah/testing'
import t from 'tap'
import type { ProfileDoc } from '../../src/models/profile.js'
import { buildTestApp, call, eventually, newUserId, userRegisteredEvent } from '../fixtures/app.js'

const ta = await buildTestApp()
const probe = await eventProbe({ exchange: ta.exchange, bindings: ['user.profile.updated'] })
t.teardown(async () => {
  await probe.close()
  await ta.close()
})
const profiles = () => ta.app.mongo.collection<ProfileDoc>('profiles')
const profileOf = async (id: string) => profiles().findOne({ _id: id })

t.test('UserRegistered', async (t) => {
  t.test('creates the profile with the registered name and role, and publishes ProfileUpdated', async (t) => {
    const userId = newUserId()
    const event = userRegisteredEvent({ userId, name: 'Kwame Nkrumah', role: 'hirer' })
    await ta.events.publish(event)
    const published = await probe.waitFor(
      (e) => e.type === 'ProfileUpdated' && (e.data as { userId: string }).userId === userId,
    )
    t.match(published, {
      producer: 'user',
      causationId: event.id,
      data: {
        userId,
        role: 'hirer',
        profileVersion: 1,
        displayName: 'Kwame Nkrumah',
        skills: [],
        changed: [],
      },
    })
    const me = await call(ta.app, 'GET', '/me', undefined, ta.kit.sign({ sub: userId, role: 'hirer' }))
    t.match(me.body, { id: userId, role: 'hirer', displayName: 'Kwame Nkrumah', profileVersion: 1 })
  })

  t.test(
    'is idempotent: a redelivered event and a duplicate event for the same user change nothing',
    async (t) => {
      const userId = newUserId()
      const event = userRegisteredEvent({ userId, name: 'First Name' })
      await ta.deliver(event, 'profiles')
      const before = await profileOf(userId)
      await ta.events.publish(event) // the same event again (redelivery)
      await ta.deliver(userRegisteredEvent({ userId, name: 'Other Name' }), 'profiles') // a new id, same user
      const after = await profileOf(userId)
      t.equal(await profiles().countDocuments({ _id: userId }), 1)
      t.match(after, { displayName: 'First Name', profileVersion: 1 })
      t.same(after?.updatedAt, before?.updatedAt, 'no write at all')
    },
  )

  t.test('fills in the name of a profile created earlier from a token, once', async (t) => {
    const userId = newUserId()
    const token = ta.kit.sign({ sub: userId, role: 'worker' })
    t.equal((await call(ta.app, 'GET', '/me', undefined, token)).body.displayName, '')
    await ta.deliver(userRegisteredEvent({ userId, name: 'Late Event' }), 'profiles')
    t.match((await call(ta.app, 'GET', '/me', undefined, token)).body, {
      displayName: 'Late Event',
      profileVersion: 2,
    })
    const published = await probe.waitFor(
      (e) =>
        e.type === 'ProfileUpdated' &&
        (e.data as { userId: string; profileVersion: number }).userId === userId &&
        (e.data as { profileVersion: number }).profileVersion === 2,
    )
    t.same((published.data as { changed: string[] }).changed, ['displayName'])
  })

  t.test('never overwrites a name the owner already chose', async (t) => {
    const userId = newUserId()
    const token = ta.kit.sign({ sub: userId, role: 'worker' })
    await call(ta.app, 'PATCH', '/me', { displayName: 'Chosen' }, token)
    await ta.deliver(userRegisteredEvent({ userId, name: 'Registered' }), 'profiles')
    t.equal((await call(ta.app, 'GET', '/me', undefined, token)).body.displayName, 'Chosen')
  })
})

t.test('UserDeactivated', async (t) => {
  t.test('hides the profile and is idempotent', async (t) => {
    const userId = newUserId()
    await ta.deliver(userRegisteredEvent({ userId }), 'profiles')
    await ta.deliver(createEvent('UserDeactivated', { userId }, { producer: 'auth' }), 'profiles')
    await ta.deliver(createEvent('UserDeactivated', { userId }, { producer: 'auth' }), 'profiles')
    t.match(await profileOf(userId), { deactivated: true })
    const viewer = ta.kit.sign({ role: 'hirer' })
    t.equal((await call(ta.app, 'GET', `/${userId}`, undefined, viewer)).status, 404)
  })
})

t.test('RatingUpdated', async (t) => {
  const rating = (userId: string, average: number, count: number, sequence: number) =>
    createEvent('RatingUpdated', { userId, average, count, sequence }, { producer: 'review' })

  t.test('stores the rating summary, ignoring an older sequence that arrives late', async (t) => {
    const userId = newUserId()
    await ta.deliver(userRegisteredEvent({ userId }), 'profiles')
    const viewer = ta.kit.sign({ role: 'hirer' })
    await ta.deliver(rating(userId, 4.5, 2, 2), 'ratings')
    t.same((await call(ta.app, 'GET', `/${userId}`, undefined, viewer)).body.rating, {
      average: 4.5,
      count: 2,
    })
    await ta.deliver(rating(userId, 3, 1, 1), 'ratings')
    t.same(
      (await call(ta.app, 'GET', `/${userId}`, undefined, viewer)).body.rating,
      { average: 4.5, count: 2 },
      'older sequence ignored',
    )
    await ta.deliver(rating(userId, 4.67, 3, 3), 'ratings')
    t.same((await call(ta.app, 'GET', `/${userId}`, undefined, viewer)).body.rating, {
      average: 4.67,
      count: 3,
    })
    t.match(
      await profileOf(userId),
      { rating: { sequence: 3 }, profileVersion: 1 },
      'a rating is not a profile change',
    )
  })

  t.test(
    'keeps the Bayesian score beside the average, in order and out of order; profiles show only the average',
    async (t) => {
      const userId = newUserId()
      await ta.deliver(userRegisteredEvent({ userId }), 'profiles')
      const viewer = ta.kit.sign({ role: 'hirer' })
      const scored = (average: number, count: number, sequence: number, bayesianScore?: number) =>
        createEvent(
          'RatingUpdated',
          { userId, average, count, sequence, ...(bayesianScore === undefined ? {} : { bayesianScore }) },
          { producer: 'review' },
        )
      // Sequences 1..4 delivered as 2, 4, 1, 3: only 2 and then 4 apply.
      await ta.deliver(scored(5, 2, 2, 4.31), 'ratings')
      t.match(await profileOf(userId), { rating: { average: 5, count: 2, sequence: 2, bayesianScore: 4.31 } })
      await ta.deliver(scored(4.75, 4, 4, 4.42), 'ratings')
      await ta.deliver(scored(5, 1, 1, 4.2), 'ratings')
      await ta.deliver(scored(4.67, 3, 3, 4.35), 'ratings')
      t.match(
        await profileOf(userId),
        { rating: { average: 4.75, count: 4, sequence: 4, bayesianScore: 4.42 } },
        'late sequences 1 and 3 changed neither the average nor the score',
      )
      const view = (await call(ta.app, 'GET', `/${userId}`, undefined, viewer)).body
      t.same(view.rating, { average: 4.75, count: 4 }, 'the public profile shows the plain average only')
      await ta.deliver(scored(4.8, 5, 5), 'ratings')
      t.match(
        await profileOf(userId),
        { rating: { average: 4.8, count: 5, sequence: 5, bayesianScore: null } },
        'a newer event without a score leaves no stale score behind',
      )
    },
  )

  t.test('is retried until the profile exists', async (t) => {
    const userId = newUserId()
    await ta.events.publish(rating(userId, 5, 1, 1))
    await new Promise((r) => setTimeout(r, 200))
    await ta.deliver(userRegisteredEvent({ userId }), 'profiles')
    await eventually(
      async () => ((await profileOf(userId))?.rating?.count === 1 ? true : undefined),
      15_000,
      'rating applied on retry',
    )
    t.pass('applied after the first retry')
  })
})
