/** The rating math of src/domain/ratings.ts: examples and properties (fast-check). */
import fc from 'fast-check'
import t from 'tap'
import {
  aspectAverages,
  bayesianScore,
  emptyFigures,
  figureDifferences,
  figuresOf,
  plainAverage,
  sameFigures,
  type Rated,
} from '../../src/domain/ratings.js'

const prior = { mean: 4, weight: 5 }

t.test('figuresOf counts stars, sums and aspects', async (t) => {
  const f = figuresOf([
    { rating: 5, aspects: { communication: 4, quality: 5 } },
    { rating: 3, aspects: null },
    { rating: 4, aspects: { communication: 2 } },
  ])
  t.equal(f.count, 3)
  t.equal(f.sum, 12)
  t.same(f.stars, { '1': 0, '2': 0, '3': 1, '4': 1, '5': 1 })
  t.same(f.aspects.communication, { sum: 6, count: 2 })
  t.same(f.aspects.quality, { sum: 5, count: 1 })
  t.same(aspectAverages(f), { communication: 3, quality: 5, timeliness: null, professionalism: null })
  t.equal(plainAverage(f), 4)
})

t.test('figuresOf refuses a star outside 1–5', async (t) => {
  t.throws(() => figuresOf([{ rating: 6 }]), RangeError)
  t.throws(() => figuresOf([{ rating: 4, aspects: { quality: 0 } }]), RangeError)
  t.throws(() => figuresOf([{ rating: 4.5 }]), RangeError)
})

t.test('plainAverage: 2 decimals, 0 with no reviews', async (t) => {
  t.equal(plainAverage(emptyFigures()), 0)
  t.equal(plainAverage({ count: 3, sum: 14 }), 4.67)
  t.equal(plainAverage({ count: 8, sum: 37 }), 4.63) // 4.625 rounds half up
})

t.test('bayesianScore: (C·m + sum) / (C + count)', async (t) => {
  t.equal(bayesianScore({ count: 0, sum: 0 }, prior), 4, 'no reviews: the prior')
  t.equal(bayesianScore({ count: 1, sum: 5 }, prior), 4.17, 'one 5-star: (20 + 5) / 6')
  t.equal(bayesianScore({ count: 40, sum: 192 }, prior), 4.71, 'forty 4.8s: (20 + 192) / 45')
  t.ok(
    bayesianScore({ count: 40, sum: 192 }, prior) > bayesianScore({ count: 1, sum: 5 }, prior),
    'a long 4.8 record outranks a single 5',
  )
  t.equal(bayesianScore({ count: 2, sum: 7 }, { mean: 4, weight: 0 }), 3.5, 'C = 0: the plain average')
})

const review = fc.record({
  rating: fc.integer({ min: 1, max: 5 }),
  aspects: fc.option(
    fc.record(
      {
        communication: fc.integer({ min: 1, max: 5 }),
        quality: fc.integer({ min: 1, max: 5 }),
        timeliness: fc.integer({ min: 1, max: 5 }),
        professionalism: fc.integer({ min: 1, max: 5 }),
      },
      { requiredKeys: [] },
    ),
    { nil: null },
  ),
}) as fc.Arbitrary<Rated>

t.test('properties', async (t) => {
  t.test('figures do not depend on order; stars add up to count', async () => {
    fc.assert(
      fc.property(fc.array(review, { maxLength: 30 }), (rs) => {
        const a = figuresOf(rs)
        const b = figuresOf([...rs].reverse())
        const starTotal = Object.values(a.stars).reduce((s, n) => s + n, 0)
        return sameFigures(a, b) && starTotal === a.count && figureDifferences(a, b).length === 0
      }),
    )
  })
  t.test(
    'the average stays in [1, 5]; the Bayesian score lies between the prior and the average',
    async () => {
      fc.assert(
        fc.property(fc.array(review, { minLength: 1, maxLength: 30 }), (rs) => {
          const f = figuresOf(rs)
          const avg = plainAverage(f)
          const score = bayesianScore(f, prior)
          const lo = Math.min(avg, prior.mean) - 0.01
          const hi = Math.max(avg, prior.mean) + 0.01
          return avg >= 1 && avg <= 5 && score >= lo && score <= hi
        }),
      )
    },
  )
  t.test('figureDifferences names every field that differs', async (t) => {
    const a = figuresOf([{ rating: 5 }])
    const b = figuresOf([{ rating: 4 }])
    t.same(figureDifferences(a, b), ['sum: stored 5 ≠ 4', 'stars.4: stored 0 ≠ 1', 'stars.5: stored 1 ≠ 0'])
  })
})
