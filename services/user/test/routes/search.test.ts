import { createEvent } from '@kelmah/contracts'
import t from 'tap'
import { buildTestApp, call, createUser, newUserId, type TestUser } from '../fixtures/app.js'

const ta = await buildTestApp()
t.teardown(() => ta.close())

const rate = (amountMinor: number, currency = 'USD') => ({ amountMinor, currency })
// Created one after another, so "newest" is the reverse of this order.
const w1 = await createUser(ta, {
  patch: {
    displayName: 'Ama Owusu',
    headline: 'React developer',
    skills: ['React', 'Node.js', 'TypeScript'],
    hourlyRate: rate(5000),
    location: { country: 'GH' },
  },
})
const w2 = await createUser(ta, {
  patch: {
    displayName: 'Kofi Mensah',
    headline: 'Full-stack engineer',
    skills: ['react', 'python'],
    hourlyRate: rate(3000),
    availability: 'limited',
    location: { country: 'GH' },
  },
})
const w3 = await createUser(ta, {
  patch: {
    displayName: 'Esi Adjei',
    headline: 'Backend developer',
    skills: ['node.js', 'go'],
    hourlyRate: rate(7000, 'EUR'),
    location: { country: 'NG' },
  },
})
const w4 = await createUser(ta, {
  patch: {
    displayName: 'Yaw Boateng',
    headline: 'Product designer',
    skills: ['figma'],
    hourlyRate: rate(2000),
    availability: 'unavailable',
    location: { country: 'KE' },
  },
})
const w5 = await createUser(ta, {
  patch: {
    displayName: 'Abena Darko',
    headline: 'Lead of mobile developers',
    skills: ['react native', 'react', 'node.js'],
    hourlyRate: rate(9000),
    location: { country: 'GH' },
  },
})
// Never in results: a hirer and a deactivated worker, both matching "react".
const hirer = await createUser(ta, { role: 'hirer', patch: { headline: 'React hiring manager' } })
const gone = await createUser(ta, { patch: { headline: 'React developer', skills: ['react'] } })
await ta.deliver(createEvent('UserDeactivated', { userId: gone.id }, { producer: 'auth' }), 'profiles')
// Nor a worker whose profile has no name yet (created from a token, never completed).
const unnamed = newUserId()
await call(
  ta.app,
  'PATCH',
  '/me',
  { skills: ['react'], headline: 'React developer' },
  ta.kit.sign({ sub: unnamed, role: 'worker' }),
)
for (const [u, average, count] of [
  [w1, 4.8, 10],
  [w2, 4.9, 3],
  [w3, 4.5, 20],
  [w5, 4.8, 5],
] as Array<[TestUser, number, number]>) {
  await ta.deliver(
    createEvent('RatingUpdated', { userId: u.id, average, count, sequence: 1 }, { producer: 'review' }),
    'ratings',
  )
}

const search = async (query: string) => {
  const res = await call(ta.app, 'GET', `/search?${query}`, undefined, hirer.token)
  return res
}
const ids = async (query: string) => {
  const res = await search(query)
  if (res.status !== 200) throw new Error(`${query}: ${res.status} ${JSON.stringify(res.body)}`)
  return (res.body.items as Array<{ id: string }>).map((i) => i.id)
}
const sorted = (xs: string[]) => [...xs].sort()

t.test('GET /api/users/search', async (t) => {
  t.test(
    'matches workers having every word of q (stemmed, stop words ignored); never hirers, deactivated or unnamed users',
    async (t) => {
      t.same(sorted(await ids('q=react%20developer')), sorted([w1.id, w5.id]))
      t.same(sorted(await ids('q=the%20developers')), sorted([w1.id, w3.id, w5.id]))
      t.same(await ids('q=kofi'), [w2.id])
      t.same(await ids('q=react%20python%20kofi'), [w2.id])
      t.same(await ids('q=nobody%20matches%20this'), [])
    },
  )

  t.test('treats the last word as a prefix (the user is still typing)', async (t) => {
    t.same(sorted(await ids('q=deve')), sorted([w1.id, w3.id, w5.id]))
    t.same(sorted(await ids('q=react%20engi')), [w2.id])
  })

  t.test(
    'filters by any of the skills and ranks by overlap, then rating average, then rating count',
    async (t) => {
      const res = await search('skills=React,%20NODE.JS')
      t.equal(res.status, 200)
      t.same(
        res.body.items.map((i: { id: string }) => i.id),
        [w1.id, w5.id, w2.id, w3.id],
        'overlap 2 (w1 4.8/10 before w5 4.8/5), then overlap 1 (w2 4.9 before w3 4.5)',
      )
      t.same(res.body.items[0].matchedSkills, ['react', 'node.js'])
      t.same(res.body.items[2].matchedSkills, ['react'])
      t.match(res.body.items[0], {
        displayName: 'Ama Owusu',
        headline: 'React developer',
        hourlyRate: rate(5000),
        rating: { average: 4.8, count: 10 },
        location: { country: 'GH', city: null },
      })
      t.notOk('keywords' in res.body.items[0])
    },
  )

  t.test('filters by hourly rate within one currency', async (t) => {
    t.same(sorted(await ids('currency=USD&minRate=3000&maxRate=6000')), sorted([w1.id, w2.id]))
    t.same(await ids('currency=EUR'), [w3.id])
    const noCurrency = await search('minRate=100')
    t.equal(noCurrency.status, 400)
    t.match(noCurrency.body.errors, [{ field: 'currency' }])
    const inverted = await search('currency=USD&minRate=5000&maxRate=100')
    t.equal(inverted.status, 400)
    t.match(inverted.body.errors, [{ field: 'maxRate' }])
    const fractional = await search('currency=USD&minRate=12.5')
    t.equal(fractional.status, 400)
    t.match(fractional.body.errors, [{ field: 'minRate' }])
  })

  t.test('filters by country and availability', async (t) => {
    t.same(sorted(await ids('country=gh')), sorted([w1.id, w2.id, w5.id]))
    t.same(sorted(await ids('availability=limited,unavailable')), sorted([w2.id, w4.id]))
    t.same(await ids('country=GH&availability=limited&skills=react'), [w2.id])
    const badCountry = await search('country=ZZ')
    t.equal(badCountry.status, 400)
    t.match(badCountry.body.errors, [{ field: 'country' }])
    const badAvailability = await search('availability=sometimes')
    t.equal(badAvailability.status, 400)
    t.match(badAvailability.body.errors, [{ field: 'availability' }])
  })

  t.test('sorts by rating, rate and recency', async (t) => {
    t.same(await ids('sort=rating'), [w2.id, w1.id, w5.id, w3.id, w4.id])
    t.same(await ids('sort=rate_asc&currency=USD'), [w4.id, w2.id, w1.id, w5.id])
    t.same(await ids('sort=rate_desc&currency=USD'), [w5.id, w1.id, w2.id, w4.id])
    t.same(await ids('sort=newest'), [w5.id, w4.id, w3.id, w2.id, w1.id])
    const rateNoCurrency = await search('sort=rate_asc')
    t.equal(rateNoCurrency.status, 400)
    t.match(rateNoCurrency.body.errors, [{ field: 'currency' }])
    const badSort = await search('sort=random')
    t.equal(badSort.status, 400)
    t.match(badSort.body.errors, [{ field: 'sort' }])
  })

  t.test('pages with a cursor that neither repeats nor skips', async (t) => {
    for (const query of ['sort=relevance', 'sort=rating', 'sort=newest', 'skills=react,node.js,figma']) {
      const all = await ids(`${query}&limit=100`)
      const seen: string[] = []
      let cursor: string | null = null
      let pages = 0
      do {
        const res = await search(`${query}&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        t.equal(res.status, 200)
        t.ok(res.body.items.length <= 2)
        seen.push(...res.body.items.map((i: { id: string }) => i.id))
        cursor = res.body.nextCursor
        pages++
      } while (cursor && pages < 10)
      t.same(seen, all, `${query}: pages concatenate to the full order`)
      t.equal(new Set(seen).size, seen.length, `${query}: no repeats`)
    }
  })

  t.test(
    'ranks by the Bayesian score when the review service sends one, and shows the plain average',
    async (t) => {
      // One 5-star review against thirty 4.7s: by average the newcomer leads, by the shrunk score not.
      const newcomer = await createUser(ta, { patch: { displayName: 'Kojo Newcomer', skills: ['cobol'] } })
      const veteran = await createUser(ta, { patch: { displayName: 'Efua Veteran', skills: ['cobol'] } })
      const unrated = await createUser(ta, { patch: { displayName: 'Nana Unrated', skills: ['cobol'] } })
      const rated = (u: TestUser, average: number, count: number, sequence: number, bayesianScore: number) =>
        ta.deliver(
          createEvent(
            'RatingUpdated',
            { userId: u.id, average, count, sequence, bayesianScore },
            { producer: 'review' },
          ),
          'ratings',
        )
      await rated(newcomer, 5, 1, 1, 4.23)
      await rated(veteran, 4.7, 30, 1, 4.66)
      for (const sort of ['rating', 'relevance'])
        t.same(
          await ids(`skills=cobol&sort=${sort}`),
          [veteran.id, newcomer.id, unrated.id],
          `${sort}: the veteran's 4.66 before the newcomer's 4.23, the unrated last`,
        )
      const hit = (await search('skills=cobol&sort=rating')).body.items[1]
      t.same(hit.rating, { average: 5, count: 1 }, 'the result shows the plain average and count')
      t.notOk('bayesianScore' in hit.rating, 'the score stays internal')
      // A newer update, then an older one arriving late.
      await rated(newcomer, 5, 12, 3, 4.9)
      await rated(newcomer, 5, 2, 2, 4.3)
      t.same(
        await ids('skills=cobol&sort=rating'),
        [newcomer.id, veteran.id, unrated.id],
        'the newer score (4.9) moved the newcomer up; the late older one (4.3) was ignored',
      )
    },
  )

  t.test('refuses a foreign or forged cursor with 400 naming cursor', async (t) => {
    const first = await search('sort=rating&limit=1')
    const cursor = first.body.nextCursor as string
    t.ok(cursor)
    const other = await search(`sort=newest&limit=1&cursor=${cursor}`)
    t.equal(other.status, 400)
    t.match(other.body.errors, [{ field: 'cursor' }])
    const forged = await search('limit=1&cursor=not-a-cursor')
    t.equal(forged.status, 400)
    t.match(forged.body.errors, [{ field: 'cursor' }])
  })
})
