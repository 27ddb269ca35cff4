import t from 'tap'
import {
  compareScored,
  compareWorkers,
  FIXED_JOB_ESTIMATED_HOURS,
  isAfter,
  rateFit,
  ratingScore,
  recency,
  scoreJobForWorker,
  scoreWorkerForJob,
  searchRelevance,
  skillOverlap,
} from '../../src/domain/ranking.js'

const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' })
const hourly = { type: 'hourly' as const, minMinor: 3000, maxMinor: 6000, currency: 'USD' }

t.test('skill overlap is the share of the job skills the worker has', async (t) => {
  t.equal(skillOverlap(['react', 'node'], ['react', 'go']), 0.5)
  t.equal(skillOverlap(['react', 'node'], ['node', 'react', 'go']), 1)
  t.equal(skillOverlap([], ['react']), 0)
  t.equal(skillOverlap(['react'], []), 0)
})

t.test('rate fit is 1 inside an hourly range and shrinks outside it', async (t) => {
  t.equal(rateFit(hourly, usd(4000)), 1)
  t.equal(rateFit(hourly, usd(1500)), 0.5)
  t.equal(rateFit(hourly, usd(12_000)), 0.5)
  t.equal(rateFit(hourly, { amountMinor: 4000, currency: 'EUR' }), 0, 'another currency does not fit')
  t.equal(rateFit(hourly, null), 0, 'no rate, no fit')
})

t.test('rate fit of a fixed budget compares it with the rate times the estimated hours', async (t) => {
  const rate = usd(5000)
  t.equal(rateFit({ type: 'fixed', amountMinor: 5000 * FIXED_JOB_ESTIMATED_HOURS, currency: 'USD' }, rate), 1)
  t.equal(
    rateFit({ type: 'fixed', amountMinor: (5000 * FIXED_JOB_ESTIMATED_HOURS) / 2, currency: 'USD' }, rate),
    0.5,
  )
})

t.test('recency halves after a week and treats the future as now', async (t) => {
  const now = new Date('2026-01-15T00:00:00Z')
  t.equal(recency(now, now), 1)
  t.equal(recency(new Date('2026-01-08T00:00:00Z'), now), 0.5)
  t.equal(recency(new Date('2026-01-20T00:00:00Z'), now), 1)
})

t.test('rating score shrinks averages with few ratings', async (t) => {
  t.equal(ratingScore({ average: 5, count: 0 }), 0)
  t.ok(ratingScore({ average: 4.8, count: 40 }) > ratingScore({ average: 5, count: 1 }))
})

t.test('rating score uses the Bayesian score when the review service sends one', async (t) => {
  t.equal(ratingScore({ average: 5, count: 1, bayesianScore: 4.2 }), 4.2 / 5)
  t.equal(ratingScore({ average: 5, count: 0, bayesianScore: 4 }), 0, 'unrated stays 0')
  t.equal(
    ratingScore({ average: 4, count: 5, bayesianScore: null }),
    ratingScore({ average: 4, count: 5 }),
    'no score: the shrunk average',
  )
  t.ok(
    ratingScore({ average: 4.7, count: 30, bayesianScore: 4.66 }) >
      ratingScore({ average: 5, count: 1, bayesianScore: 4.23 }),
  )
})

t.test('a job matching more skills outranks a newer job matching fewer', async (t) => {
  const now = new Date('2026-01-15T00:00:00Z')
  const worker = { skills: ['react', 'node'], hourlyRate: usd(4000) }
  const old = scoreJobForWorker(
    { skills: ['react', 'node'], budget: hourly, postedAt: new Date('2026-01-01T00:00:00Z') },
    worker,
    now,
  )
  const fresh = scoreJobForWorker({ skills: ['go'], budget: hourly, postedAt: now }, worker, now)
  t.ok(old > fresh)
})

t.test('workers are ordered by score, then rating average, count and id', async (t) => {
  const job = { skills: ['react'], budget: hourly }
  const a = scoreWorkerForJob(job, {
    skills: ['react'],
    hourlyRate: usd(4000),
    rating: { average: 4, count: 10 },
  })
  const b = scoreWorkerForJob(job, { skills: [], hourlyRate: usd(4000), rating: { average: 5, count: 100 } })
  t.ok(a > b, 'skills weigh more than rating')
  const tie = [
    { id: 'b', score: 1, rating: { average: 4, count: 3 } },
    { id: 'a', score: 1, rating: { average: 4, count: 3 } },
    { id: 'c', score: 1, rating: { average: 4, count: 9 } },
    { id: 'd', score: 1, rating: { average: 4.5, count: 1 } },
    { id: 'e', score: 2, rating: { average: 1, count: 1 } },
  ].sort(compareWorkers)
  t.same(
    tie.map((w) => w.id),
    ['e', 'd', 'c', 'a', 'b'],
  )
})

t.test('search relevance weighs skills, then title words, then other words', async (t) => {
  const job = { skills: ['react'], keywords: ['react', 'storefront', 'stripe'], titleWords: ['storefront'] }
  t.equal(searchRelevance(job, { words: ['storefront', 'stripe'], skills: ['react'] }), 3 + 2 + 2)
})

t.test('scored items page strictly after a position', async (t) => {
  const items = [
    { item: 1, score: 2, at: 10, id: 'a' },
    { item: 2, score: 1, at: 20, id: 'b' },
    { item: 3, score: 1, at: 10, id: 'c' },
  ].sort(compareScored)
  t.same(
    items.map((i) => i.item),
    [1, 2, 3],
  )
  t.same(
    items.filter((i) => isAfter(i, [1, 20, 'b'])).map((i) => i.item),
    [3],
  )
})
