import { createEvent } from '@kelmah/contracts'
import t from 'tap'
import { profileUpdatedHandler, ratingUpdatedHandler } from '../../src/events/handlers.js'
import { jobModels } from '../../src/models/index.js'
import { buildTestApp } from '../fixtures/app.js'
import { profileUpdated, ratingUpdated } from '../fixtures/events.js'

const ctx = await buildTestApp()
t.teardown(() => ctx.close())
const models = jobModels(ctx.app.mongo)
const onProfile = profileUpdatedHandler(models)
const onRating = ratingUpdatedHandler(models)
const profileOf = (id: string) => models.WorkerProfile.findById(id).lean()

t.test('ProfileUpdated', async (t) => {
  t.test('stores the snapshot with skills normalised', async (t) => {
    t.equal(await onProfile(profileUpdated('w-1', 1)), 'applied')
    t.match(await profileOf('w-1'), {
      role: 'worker',
      displayName: 'Ama Mensah',
      skills: ['react', 'node.js'],
      hourlyRate: { amountMinor: 4000, currency: 'USD' },
      availability: 'available',
      profileVersion: 1,
      rating: { average: 0, count: 0, sequence: 0 },
    })
  })

  t.test('the same event twice changes nothing the second time', async (t) => {
    const event = profileUpdated('w-2', 1)
    t.equal(await onProfile(event), 'applied')
    t.equal(await onProfile(event), 'stale')
    t.equal((await profileOf('w-2'))?.profileVersion, 1)
  })

  t.test('an older version arriving late is ignored', async (t) => {
    await onProfile(profileUpdated('w-3', 3, { skills: ['go'] }))
    t.equal(await onProfile(profileUpdated('w-3', 2, { skills: ['cobol'] })), 'stale')
    t.same((await profileOf('w-3'))?.skills, ['go'])
    t.equal(await onProfile(profileUpdated('w-3', 4, { skills: ['rust'] })), 'applied')
    t.same((await profileOf('w-3'))?.skills, ['rust'])
  })

  t.test('keeps the rating a RatingUpdated stored before the first profile', async (t) => {
    await onRating(ratingUpdated('w-4', 1, 4.5, 2))
    await onProfile(profileUpdated('w-4', 1))
    t.match(await profileOf('w-4'), {
      profileVersion: 1,
      rating: { average: 4.5, count: 2, sequence: 1 },
      skills: ['react', 'node.js'],
    })
  })
})

t.test('RatingUpdated', async (t) => {
  t.test('applies newer sequences only; the same or an older one is ignored', async (t) => {
    await onProfile(profileUpdated('w-5', 1))
    t.equal(await onRating(ratingUpdated('w-5', 2, 4, 3)), 'applied')
    t.equal(await onRating(ratingUpdated('w-5', 2, 1, 99)), 'stale')
    t.equal(await onRating(ratingUpdated('w-5', 1, 1, 1)), 'stale')
    t.match((await profileOf('w-5'))?.rating, { average: 4, count: 3, sequence: 2 })
    t.equal((await profileOf('w-5'))?.displayName, 'Ama Mensah', 'the profile is untouched')
  })
})

t.test('RatingUpdated with a Bayesian score', async (t) => {
  t.test('keeps the newest score; a late older one and a newer one without a score', async (t) => {
    const scored = (sequence: number, average: number, count: number, bayesianScore?: number) =>
      createEvent(
        'RatingUpdated',
        {
          userId: 'w-6',
          average,
          count,
          sequence,
          ...(bayesianScore === undefined ? {} : { bayesianScore }),
        },
        { producer: 'review' },
      )
    t.equal(await onRating(scored(2, 5, 2, 4.31)), 'applied')
    t.equal(await onRating(scored(1, 5, 1, 4.2)), 'stale')
    t.match((await profileOf('w-6'))?.rating, { average: 5, count: 2, sequence: 2, bayesianScore: 4.31 })
    t.equal(await onRating(scored(3, 4.67, 3)), 'applied')
    t.match((await profileOf('w-6'))?.rating, { average: 4.67, count: 3, sequence: 3, bayesianScore: null })
  })
})

t.test('subscriptions', async (t) => {
  t.test('ProfileUpdated and RatingUpdated published on the bus reach the read model', async (t) => {
    await ctx.app.bus.publish(profileUpdated('w-bus', 1, { skills: ['Figma'] }))
    await ctx.app.bus.publish(ratingUpdated('w-bus', 1, 5, 1))
    const deadline = Date.now() + 10_000
    let doc = await profileOf('w-bus')
    while ((!doc || doc.rating.sequence < 1 || doc.profileVersion < 1) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100))
      doc = await profileOf('w-bus')
    }
    t.match(doc, { skills: ['figma'], profileVersion: 1, rating: { average: 5, count: 1, sequence: 1 } })
  })
})
