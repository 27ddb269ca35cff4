import { createEvent } from '@kelmah/contracts'
import t from 'tap'
import { profileUpdatedHandler, ratingUpdatedHandler } from '../../src/events/handlers.js'
import { jobModels } from '../../src/models/index.js'
import { apply, buildTestApp, call, createJob } from '../fixtures/app.js'
import { profileUpdated, ratingUpdated } from '../fixtures/events.js'

const ctx = await buildTestApp()
t.teardown(() => ctx.close())
const { app } = ctx
const models = jobModels(app.mongo)
const onProfile = profileUpdatedHandler(models)
const onRating = ratingUpdatedHandler(models)
const tag = () => `sk${Math.random().toString(36).slice(2, 8)}`

t.test('GET /api/jobs/recommended', async (t) => {
  t.test(
    'ranks open public jobs by skill overlap and rate fit; leaves out applied, draft and invite-only jobs',
    async (t) => {
      const [a, b, c] = [tag(), tag(), tag()]
      const worker = ctx.worker()
      await onProfile(
        profileUpdated(worker.id, 1, { skills: [a, b], hourlyRate: { amountMinor: 4000, currency: 'USD' } }),
      )
      const hirer = ctx.hirer()
      const hourly = { type: 'hourly', minMinor: 3000, maxMinor: 5000, currency: 'USD' }
      const both = await createJob(app, hirer, { skills: [a, b], budget: hourly })
      const bothTooCheap = await createJob(app, hirer, {
        skills: [a, b],
        budget: { type: 'hourly', minMinor: 1000, maxMinor: 2000, currency: 'USD' },
      })
      const one = await createJob(app, hirer, { skills: [a, c], budget: hourly })
      const applied = await createJob(app, hirer, { skills: [a, b], budget: hourly })
      await apply(app, worker, applied.id)
      await createJob(app, hirer, { skills: [a, b], draft: true })
      await createJob(app, hirer, { skills: [a, b], visibility: 'invite_only' })
      await createJob(app, hirer, { skills: [c] })

      const res = await call(app, 'GET', '/api/jobs/recommended', worker)
      t.equal(res.status, 200)
      t.same(
        res.body.items.map((i: { job: { id: string } }) => i.job.id),
        [both.id, bothTooCheap.id, one.id],
      )
      const scores = res.body.items.map((i: { score: number }) => i.score)
      t.ok(scores[0] > scores[1] && scores[1] > scores[2], 'scores descend')

      const p1 = await call(app, 'GET', '/api/jobs/recommended?limit=2', worker)
      const p2 = await call(app, 'GET', `/api/jobs/recommended?limit=2&cursor=${p1.body.nextCursor}`, worker)
      t.same(
        [...p1.body.items, ...p2.body.items].map((i: { job: { id: string } }) => i.job.id),
        [both.id, bothTooCheap.id, one.id],
      )
      t.equal(p2.body.nextCursor, null)
    },
  )

  t.test('only workers get job recommendations (403 for hirers)', async (t) => {
    t.equal((await call(app, 'GET', '/api/jobs/recommended', ctx.hirer())).status, 403)
    t.equal((await call(app, 'GET', '/api/jobs/recommended', null)).status, 401)
  })
})

t.test('GET /api/jobs/:id/recommended-workers', async (t) => {
  t.test('ranks available workers by skill overlap, rate fit, then rating', async (t) => {
    const [a, b] = [tag(), tag()]
    const hirer = ctx.hirer()
    const job = await createJob(app, hirer, {
      skills: [a, b],
      budget: { type: 'hourly', minMinor: 3000, maxMinor: 5000, currency: 'USD' },
    })
    const rate = { amountMinor: 4000, currency: 'USD' }
    const ids = {
      full: 'rw-full-' + a,
      fullRated: 'rw-rated-' + a,
      half: 'rw-half-' + a,
      pricey: 'rw-pricey-' + a,
      away: 'rw-away-' + a,
      hirer: 'rh-' + a,
    }
    await onProfile(profileUpdated(ids.full, 1, { skills: [a, b], hourlyRate: rate }))
    await onProfile(profileUpdated(ids.fullRated, 1, { skills: [a, b], hourlyRate: rate }))
    await onRating(ratingUpdated(ids.fullRated, 1, 4.9, 30))
    await onProfile(
      profileUpdated(ids.pricey, 1, { skills: [a, b], hourlyRate: { amountMinor: 20_000, currency: 'USD' } }),
    )
    await onProfile(profileUpdated(ids.half, 1, { skills: [a], hourlyRate: rate }))
    await onProfile(
      profileUpdated(ids.away, 1, { skills: [a, b], hourlyRate: rate, availability: 'unavailable' }),
    )
    await onProfile(profileUpdated(ids.hirer, 1, { role: 'hirer', skills: [a, b] }))

    const res = await call(app, 'GET', `/api/jobs/${job.id}/recommended-workers`, hirer)
    t.equal(res.status, 200)
    t.same(
      res.body.items.map((w: { workerId: string }) => w.workerId),
      [ids.fullRated, ids.full, ids.pricey, ids.half],
    )
    t.match(res.body.items[0], { rating: { average: 4.9, count: 30 }, skills: [a, b], hourlyRate: rate })

    const p1 = await call(app, 'GET', `/api/jobs/${job.id}/recommended-workers?limit=3`, hirer)
    const p2 = await call(
      app,
      'GET',
      `/api/jobs/${job.id}/recommended-workers?limit=3&cursor=${p1.body.nextCursor}`,
      hirer,
    )
    t.same(
      p2.body.items.map((w: { workerId: string }) => w.workerId),
      [ids.half],
    )
  })

  t.test('ranks by the Bayesian score the review service sends, and shows the plain average', async (t) => {
    const a = tag()
    const hirer = ctx.hirer()
    const job = await createJob(app, hirer, { skills: [a] })
    const rate = { amountMinor: 4000, currency: 'USD' }
    const [long, short] = ['rw-long-' + a, 'rw-short-' + a]
    await onProfile(profileUpdated(long, 1, { skills: [a], hourlyRate: rate }))
    await onProfile(profileUpdated(short, 1, { skills: [a], hourlyRate: rate }))
    // Without a score the shrunk average would put forty 4.0s (0.71) above ten 5.0s (0.67); the
    // review service's Bayesian scores (prior 4, weight 5: 4.0 and 4.67) say the opposite.
    const scored = (userId: string, average: number, count: number, bayesianScore: number) =>
      createEvent(
        'RatingUpdated',
        { userId, average, count, sequence: 1, bayesianScore },
        { producer: 'review' },
      )
    await onRating(scored(long, 4, 40, 4))
    await onRating(scored(short, 5, 10, 4.67))
    const res = await call(app, 'GET', `/api/jobs/${job.id}/recommended-workers`, hirer)
    t.same(
      res.body.items.map((w: { workerId: string }) => w.workerId),
      [short, long],
    )
    t.match(res.body.items[0], { rating: { average: 5, count: 10 } })
  })

  t.test('only the job’s hirer may ask (404 for another hirer, 403 for a worker)', async (t) => {
    const job = await createJob(app, ctx.hirer())
    t.equal((await call(app, 'GET', `/api/jobs/${job.id}/recommended-workers`, ctx.hirer())).status, 404)
    t.equal((await call(app, 'GET', `/api/jobs/${job.id}/recommended-workers`, ctx.worker())).status, 403)
  })
})
