import fc from 'fast-check'
import { test } from 'tap'
import {
  idOfMember,
  isBrowseable,
  matchesFacet,
  memberOf,
  membershipsOf,
  newestDrivers,
  padKey,
  smallest,
  type BrowseCriteria,
  type BrowseFacts,
} from '../../src/domain/job-browse.js'

const hex = fc.stringMatching(/^[0-9a-f]{24}$/)

test('members order like {key, _id} in MongoDB', async (t) => {
  fc.assert(
    fc.property(fc.nat({ max: 2 ** 45 }), hex, fc.nat({ max: 2 ** 45 }), hex, (k1, id1, k2, id2) => {
      const cmp = memberOf(k1, id1) < memberOf(k2, id2) ? -1 : memberOf(k1, id1) > memberOf(k2, id2) ? 1 : 0
      const want = k1 !== k2 ? Math.sign(k1 - k2) : id1 < id2 ? -1 : id1 > id2 ? 1 : 0
      return cmp === want
    }),
  )
  t.equal(idOfMember(memberOf(5, 'AB'.repeat(12))), 'ab'.repeat(12))
  t.equal(padKey(-1), undefined)
  t.equal(padKey(1.5), undefined)
})

const job = (over: Partial<BrowseFacts> = {}): BrowseFacts => ({
  id: 'a'.repeat(24),
  status: 'open',
  visibility: 'public',
  hirerSuspended: false,
  category: 'design',
  skills: ['figma'],
  keywords: ['logo', 'figma'],
  budget: { type: 'fixed', currency: 'USD' },
  budgetLowMinor: 100,
  budgetHighMinor: 100,
  createdAtMs: 1_700_000_000_000,
  ...over,
})

test('drafts, invite-only jobs and suspended hirers are not listed', async (t) => {
  t.ok(isBrowseable(job()))
  for (const over of [
    { status: 'draft' as const },
    { visibility: 'invite_only' },
    { hirerSuspended: true },
  ]) {
    t.notOk(isBrowseable(job(over)))
    t.same(membershipsOf(job(over)), [])
  }
  t.equal(membershipsOf(job()).length, 4 + 2 + 1)
})

test('the facet filter agrees with the database predicates', async () => {
  const facts = fc.record({
    category: fc.constantFrom('design', 'writing'),
    skills: fc.subarray(['figma', 'css', 'go']),
    type: fc.constantFrom('fixed', 'hourly'),
    currency: fc.constantFrom('USD', 'EUR'),
    lo: fc.nat({ max: 1000 }),
    span: fc.nat({ max: 1000 }),
  })
  const query = fc.record(
    {
      category: fc.constantFrom('design', 'writing'),
      skills: fc.subarray(['figma', 'css', 'go']),
      type: fc.constantFrom('fixed', 'hourly'),
      currency: fc.constantFrom('USD', 'EUR'),
      budgetMin: fc.nat({ max: 2000 }),
      budgetMax: fc.nat({ max: 2000 }),
    },
    { requiredKeys: ['skills'] },
  )
  fc.assert(
    fc.property(facts, query, (f, q) => {
      const hi = f.lo + f.span
      const c: BrowseCriteria = { status: 'open', words: [], ...q }
      // The database's filter, spelled as services/job-search.ts builds it.
      const db =
        (q.category === undefined || f.category === q.category) &&
        (q.skills.length === 0 || f.skills.some((s) => q.skills.includes(s))) &&
        (q.type === undefined || f.type === q.type) &&
        (q.currency === undefined || f.currency === q.currency) &&
        (q.budgetMin === undefined || hi >= q.budgetMin) &&
        (q.budgetMax === undefined || f.lo <= q.budgetMax)
      const facet = { c: f.category, s: f.skills, t: f.type, cur: f.currency, lo: f.lo, hi, at: 0 }
      return matchesFacet(facet, c) === db
    }),
  )
})

test('the smallest candidate set drives a query', async (t) => {
  const drivers = newestDrivers({
    status: 'open',
    category: 'design',
    skills: ['go'],
    words: ['logo', 'rare'],
  })
  t.same(
    drivers.map((d) => d.set),
    ['n:open', 'n:open:c:design', 'n:open:w:logo', 'n:open:w:rare', 'n:open:s:go'],
  )
  t.same(smallest(drivers, [100, 40, 30, 2, 9]), { set: 'n:open:w:rare', word: 'rare' })
  t.equal(newestDrivers({ status: 'open', skills: ['a', 'b'], words: [] }).length, 1)
})
