import t from 'tap'
import {
  after,
  comparePositions,
  positionFromCursor,
  positionOf,
  rank,
  ratingTerm,
  sortKey,
  type Candidate,
} from '../../src/domain/ranking.js'

const c = (id: string, over: Partial<Candidate> = {}): Candidate => ({
  id,
  skills: [],
  rating: { average: 0, count: 0 },
  rateMinor: null,
  createdAtMs: 0,
  ...over,
})

t.test('rank', async (t) => {
  t.test(
    'relevance: skill overlap first, then rating average, then count, then recency, then id',
    async (t) => {
      const ranked = rank(
        [
          c('a', { skills: ['react'], rating: { average: 5, count: 50 } }),
          c('b', { skills: ['react', 'node.js'], rating: { average: 4, count: 1 } }),
          c('c', { skills: ['react', 'node.js'], rating: { average: 4, count: 9 } }),
          c('d', { skills: ['react', 'node.js'], rating: { average: 4, count: 9 }, createdAtMs: 10 }),
          c('e', { skills: ['react', 'node.js'], rating: { average: 4, count: 9 }, createdAtMs: 10 }),
        ],
        'relevance',
        ['react', 'node.js'],
      )
      t.same(
        ranked.map((r) => r.candidate.id),
        ['d', 'e', 'c', 'b', 'a'],
      )
      t.same(ranked[4]?.matchedSkills, ['react'])
    },
  )
  t.test('rating: average then count, overlap only breaks ties', async (t) => {
    const ranked = rank(
      [
        c('a', { rating: { average: 4.5, count: 2 } }),
        c('b', { rating: { average: 4.9, count: 1 } }),
        c('c', { rating: { average: 4.5, count: 8 } }),
      ],
      'rating',
      [],
    )
    t.same(
      ranked.map((r) => r.candidate.id),
      ['b', 'c', 'a'],
    )
  })
  t.test('the Bayesian score, when sent, is the rating term; the plain average otherwise', async (t) => {
    t.equal(ratingTerm({ average: 5, count: 1, bayesianScore: 4.2 }), 4.2)
    t.equal(ratingTerm({ average: 4.5, count: 3 }), 4.5, 'no score: the average')
    t.equal(ratingTerm({ average: 4.5, count: 3, bayesianScore: null }), 4.5)
    t.equal(ratingTerm({ average: 0, count: 0, bayesianScore: 4 }), 0, 'unrated ranks below every rated')
    const ranked = rank(
      [
        c('one-five', { rating: { average: 5, count: 1, bayesianScore: 4.2 } }),
        c('forty', { rating: { average: 4.8, count: 40, bayesianScore: 4.75 } }),
        c('none', { rating: { average: 0, count: 0, bayesianScore: 4 } }),
      ],
      'rating',
      [],
    )
    t.same(
      ranked.map((r) => r.candidate.id),
      ['forty', 'one-five', 'none'],
    )
  })
  t.test('rate_asc and rate_desc put workers without a rate last', async (t) => {
    const cs = [c('none'), c('cheap', { rateMinor: 100 }), c('dear', { rateMinor: 900 })]
    t.same(
      rank(cs, 'rate_asc', []).map((r) => r.candidate.id),
      ['cheap', 'dear', 'none'],
    )
    t.same(
      rank(cs, 'rate_desc', []).map((r) => r.candidate.id),
      ['dear', 'cheap', 'none'],
    )
  })
  t.test('newest: most recently created first', async (t) => {
    t.same(
      rank([c('old', { createdAtMs: 1 }), c('new', { createdAtMs: 2 })], 'newest', []).map(
        (r) => r.candidate.id,
      ),
      ['new', 'old'],
    )
  })
})

t.test('cursor positions', async (t) => {
  t.test('after() continues strictly after a position, even when that item has gone', async (t) => {
    const ranked = rank(
      [c('a', { createdAtMs: 3 }), c('b', { createdAtMs: 2 }), c('c', { createdAtMs: 1 })],
      'newest',
      [],
    )
    const pos = positionFromCursor('newest', positionOf('newest', ranked[0]!))
    t.same(
      after(ranked, pos).map((r) => r.candidate.id),
      ['b', 'c'],
    )
    const without = ranked.filter((r) => r.candidate.id !== 'a')
    t.same(
      after(without, pos).map((r) => r.candidate.id),
      ['b', 'c'],
      'no skip when the last item disappears',
    )
  })
  t.test('positionFromCursor refuses another sort or malformed parts', async (t) => {
    t.equal(positionFromCursor('rating', ['newest', 1, 0, 0, 0, 'a']), undefined)
    t.equal(positionFromCursor('rating', ['rating', 'x', 0, 0, 0, 'a']), undefined)
    t.equal(positionFromCursor('rating', ['rating', 1, 0, 0, 0, 7]), undefined)
    t.same(positionFromCursor('rating', ['rating', 1, 2, 3, 4, 'a']), { key: [1, 2, 3, 4], id: 'a' })
  })
  t.test('comparePositions orders by key descending then id ascending', async (t) => {
    t.ok(comparePositions({ key: [2, 0, 0, 0], id: 'z' }, { key: [1, 9, 9, 9], id: 'a' }) < 0)
    t.ok(comparePositions({ key: [1, 0, 0, 0], id: 'a' }, { key: [1, 0, 0, 0], id: 'b' }) < 0)
    t.equal(comparePositions({ key: [1, 0, 0, 0], id: 'a' }, { key: [1, 0, 0, 0], id: 'a' }), 0)
  })
  t.test('sortKey is four numbers for every sort', async (t) => {
    for (const s of ['relevance', 'rating', 'rate_asc', 'rate_desc', 'newest'] as const)
      t.equal(sortKey(c('a'), s, 0).length, 4)
  })
})
