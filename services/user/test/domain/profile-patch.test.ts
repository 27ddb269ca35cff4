import t from 'tap'
import { normalisePatch, patchFields } from '../../src/domain/profile-patch.js'

const now = new Date(Date.UTC(2026, 5, 15))

t.test('normalisePatch', async (t) => {
  t.test('trims, canonicalises and clears', async (t) => {
    t.same(
      normalisePatch(
        {
          displayName: ' Ama ',
          headline: '  ',
          location: { country: 'gh', city: ' Accra ' },
          timezone: 'africa/accra',
          languages: [{ code: 'pt-br', proficiency: 'fluent' }],
          hourlyRate: null,
        },
        now,
      ),
      {
        displayName: 'Ama',
        headline: null,
        location: { country: 'GH', city: 'Accra' },
        timezone: 'Africa/Accra',
        languages: [{ code: 'pt-BR', proficiency: 'fluent' }],
        hourlyRate: null,
      },
    )
  })

  t.test('names the bad field', async (t) => {
    t.throws(() => normalisePatch({ location: { country: 'XX' } }, now), {
      code: 'USER_ERR_INVALID_FIELD',
      fieldErrors: [{ field: 'location.country' }],
    })
    t.throws(() => normalisePatch({ experience: [{ title: 'a', from: '2026-07' }] }, now), {
      code: 'USER_ERR_INVALID_FIELD',
      fieldErrors: [{ field: 'experience.0.from' }],
    })
    t.throws(
      () =>
        normalisePatch(
          {
            languages: [
              { code: 'en', proficiency: 'native' },
              { code: 'EN', proficiency: 'basic' },
            ],
          },
          now,
        ),
      { code: 'USER_ERR_INVALID_FIELD', fieldErrors: [{ field: 'languages.1.code' }] },
    )
  })
})

t.test('patchFields refuses a field of the other role', async (t) => {
  t.throws(() => patchFields('hirer', { skills: ['x'] }, now), {
    code: 'USER_ERR_FIELD_NOT_FOR_ROLE',
    fieldErrors: [{ field: 'skills' }],
  })
  t.same(patchFields('worker', { skills: ['Plumbing'] }, now), { skills: ['plumbing'] })
})

t.test('the hourly rate is bounded money with its own stricter ceiling', async (t) => {
  const rate = (amountMinor: number, currency = 'USD') =>
    normalisePatch({ hourlyRate: { amountMinor, currency } }, now)
  t.same(rate(10_000_000).hourlyRate, { amountMinor: 10_000_000, currency: 'USD' }, 'the ceiling itself')
  t.same(rate(1, 'JPY').hourlyRate, { amountMinor: 1, currency: 'JPY' })
  for (const [amountMinor, currency, field] of [
    [0, 'USD', 'hourlyRate.amountMinor'],
    [10_000_001, 'USD', 'hourlyRate.amountMinor'],
    [2 ** 53, 'USD', 'hourlyRate.amountMinor'],
    [1.5, 'USD', 'hourlyRate.amountMinor'],
    [100, 'CHF', 'hourlyRate.currency'],
    [100, 'XYZ', 'hourlyRate.currency'],
  ] as const) {
    t.throws(
      () => rate(amountMinor, currency),
      {
        code: 'USER_ERR_INVALID_FIELD',
        fieldErrors: [{ field }],
      },
      `${amountMinor} ${currency}`,
    )
  }
})
