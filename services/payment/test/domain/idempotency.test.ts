import fc from 'fast-check'
import t from 'tap'
import {
  fingerprint,
  IDEMPOTENCY_KEY,
  idempotencyRecordId,
  isIdempotencyKey,
} from '../../src/domain/idempotency.js'

t.test('fingerprint is equal for bodies whose keys are in another order, at any depth', async (t) => {
  const a = { contractId: 'c1', milestoneId: 'm1', amount: { amountMinor: 100, currency: 'GHS' } }
  const b = { amount: { currency: 'GHS', amountMinor: 100 }, milestoneId: 'm1', contractId: 'c1' }
  t.equal(fingerprint('fund', a), fingerprint('fund', b))
  t.equal(fingerprint('fund', { a: 1, b: undefined }), fingerprint('fund', { a: 1 }), 'undefined is absent')
  t.match(fingerprint('fund', a), /^[0-9a-f]{64}$/, 'SHA-256 hex')
})

t.test('fingerprint differs for other bodies and other operations', async (t) => {
  const body = { contractId: 'c1', milestoneId: 'm1' }
  t.not(fingerprint('fund', body), fingerprint('fund', { contractId: 'c1', milestoneId: 'm2' }))
  t.not(fingerprint('fund', body), fingerprint('payout', body))
  t.not(fingerprint('fund', { n: 1 }), fingerprint('fund', { n: '1' }), 'a number is not its string')
  t.not(fingerprint('fund', [1, 2]), fingerprint('fund', [2, 1]), 'array order counts')
  t.not(fingerprint('fund', {}), fingerprint('fund', null))
  t.not(fingerprint('fund', { a: null }), fingerprint('fund', {}), 'null is not absent')
})

t.test('fingerprint: permuted keys print equal, changed values print different (random JSON)', async (t) => {
  const json = fc.jsonValue({ maxDepth: 3 })
  const shuffle = (v: unknown, rnd: () => number): unknown => {
    if (Array.isArray(v)) return v.map((x) => shuffle(x, rnd))
    if (v && typeof v === 'object') {
      const entries = Object.entries(v).sort(() => rnd() - 0.5)
      return Object.fromEntries(entries.map(([k, x]) => [k, shuffle(x, rnd)]))
    }
    return v
  }
  fc.assert(
    fc.property(json, fc.integer(), (body, seed) => {
      let s = seed
      const rnd = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
      return fingerprint('op', body) === fingerprint('op', shuffle(body, rnd))
    }),
    { numRuns: 500 },
  )
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.integer()), fc.string(), fc.integer(), (body, key, value) => {
      fc.pre(body[key] !== value)
      return fingerprint('op', body) !== fingerprint('op', { ...body, [key]: value })
    }),
    { numRuns: 500 },
  )
  t.pass('held')
})

t.test('isIdempotencyKey accepts 1–255 visible ASCII characters only', async (t) => {
  t.ok(isIdempotencyKey('a'))
  t.ok(isIdempotencyKey('x'.repeat(255)))
  t.ok(isIdempotencyKey('9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d'))
  t.ok(isIdempotencyKey('!~'), 'the ends of the visible range')
  t.notOk(isIdempotencyKey(''), 'empty')
  t.notOk(isIdempotencyKey('x'.repeat(256)), '256 characters')
  t.notOk(isIdempotencyKey('a b'), 'a space')
  t.notOk(isIdempotencyKey('abc\n'), 'a trailing newline')
  t.notOk(isIdempotencyKey('clé'), 'non-ASCII')
  t.notOk(isIdempotencyKey('a\tb'), 'a tab')
  t.notOk(isIdempotencyKey(undefined))
  t.notOk(isIdempotencyKey(42))
  t.notOk(isIdempotencyKey(['a']))
  t.equal(IDEMPOTENCY_KEY.source, '^[\\x21-\\x7e]{1,255}$')
})

t.test('idempotencyRecordId scopes a key by operation and user', async (t) => {
  t.equal(idempotencyRecordId('fund', 'u1', 'k'), 'fund:u1:k')
  t.not(idempotencyRecordId('fund', 'u1', 'k'), idempotencyRecordId('fund', 'u2', 'k'))
  t.not(idempotencyRecordId('fund', 'u1', 'k'), idempotencyRecordId('payout', 'u1', 'k'))
})
