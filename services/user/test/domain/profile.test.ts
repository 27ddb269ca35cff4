import t from 'tap'
import {
  canonicalLanguage,
  canonicalTimeZone,
  changedFields,
  experienceProblem,
  isCurrency,
  normaliseCountry,
  roleFieldProblem,
  sameValue,
} from '../../src/domain/profile.js'

t.test('roleFieldProblem', async (t) => {
  t.test('refuses worker fields for hirers and admins, company for workers', async (t) => {
    t.match(roleFieldProblem('hirer', { skills: [] }), { field: 'skills' })
    t.match(roleFieldProblem('admin', { hourlyRate: null }), { field: 'hourlyRate' })
    t.match(roleFieldProblem('worker', { company: null }), { field: 'company' })
    t.equal(roleFieldProblem('worker', { skills: [], headline: 'x' }), undefined)
    t.equal(roleFieldProblem('hirer', { company: { name: 'A' }, skills: undefined }), undefined)
  })
})

t.test('normaliseCountry', async (t) => {
  t.test('accepts ISO 3166-1 alpha-2 codes in any case, refuses others', async (t) => {
    t.equal(normaliseCountry('gh'), 'GH')
    t.equal(normaliseCountry('US'), 'US')
    t.equal(normaliseCountry('ZZ'), undefined)
    t.equal(normaliseCountry('UK'), undefined, 'the UK is GB')
  })
})

t.test('canonicalTimeZone', async (t) => {
  t.test('accepts IANA names (any case) and UTC, refuses the rest', async (t) => {
    t.equal(canonicalTimeZone('africa/accra'), 'Africa/Accra')
    t.equal(canonicalTimeZone('UTC'), 'UTC')
    t.equal(canonicalTimeZone('Mars/Base'), undefined)
    t.equal(canonicalTimeZone('../etc/passwd'), undefined)
  })
})

t.test('isCurrency and canonicalLanguage', async (t) => {
  t.test('know ISO 4217 and BCP 47', async (t) => {
    t.ok(isCurrency('GHS'))
    t.notOk(isCurrency('XYZ'))
    t.equal(canonicalLanguage('pt-br'), 'pt-BR')
    t.equal(canonicalLanguage('12'), undefined)
  })
})

t.test('experienceProblem', async (t) => {
  const now = Date.UTC(2026, 5, 15) // June 2026
  t.test('refuses an end before the start and dates in the future', async (t) => {
    t.same(experienceProblem([{ title: 'a', from: '2020-05', to: '2020-04' }], now), {
      field: '0.to',
      message: 'must not be before from',
    })
    t.match(experienceProblem([{ title: 'a', from: '2026-07' }], now), { field: '0.from' })
    t.match(experienceProblem([{ title: 'a', from: '2020-01', to: '2026-07' }], now), { field: '0.to' })
    t.equal(experienceProblem([{ title: 'a', from: '2026-06', to: null }], now), undefined)
  })
})

t.test('changedFields', async (t) => {
  t.test('lists only fields whose value differs, deeply and ignoring key order', async (t) => {
    const current = { headline: 'a', location: { country: 'GH', city: null }, skills: ['x'] }
    t.same(
      changedFields(current, { headline: 'a', location: { city: null, country: 'GH' }, skills: ['x', 'y'] }),
      ['skills'],
    )
    t.same(changedFields(current, { headline: null }), ['headline'])
    t.ok(sameValue(undefined, null))
  })
})
