import { createEvent } from '@kelmah/contracts'
import { eventProbe } from '@kelmah/testing'
import t from 'tap'
import { buildTestApp, call, createUser, newUserId } from '../fixtures/app.js'

const ta = await buildTestApp()
const probe = await eventProbe({ exchange: ta.exchange, bindings: ['user.profile.updated'] })
t.teardown(async () => {
  await probe.close()
  await ta.close()
})

t.test('GET /api/users/me', async (t) => {
  t.test('creates the profile from the token when the registration event has not arrived', async (t) => {
    const id = newUserId()
    const token = ta.kit.sign({ sub: id, role: 'worker' })
    const res = await call(ta.app, 'GET', '/me', undefined, token)
    t.equal(res.status, 200)
    t.match(res.body, {
      id,
      role: 'worker',
      displayName: '',
      profileVersion: 1,
      deactivated: false,
      skills: [],
      availability: 'available',
    })
    const again = await call(ta.app, 'GET', '/me', undefined, token)
    t.equal(again.body.profileVersion, 1, 'a second read creates nothing new')
  })

  t.test('creates one profile for concurrent first reads', async (t) => {
    const id = newUserId()
    const token = ta.kit.sign({ sub: id, role: 'hirer' })
    const results = await Promise.all([1, 2, 3, 4].map(() => call(ta.app, 'GET', '/me', undefined, token)))
    t.same(
      results.map((r) => r.status),
      [200, 200, 200, 200],
    )
    t.same(new Set(results.map((r) => r.body.profileVersion)), new Set([1]))
    t.equal(results[0]?.body.company, null, 'a hirer profile has company, not worker fields')
    t.notOk('skills' in (results[0]?.body ?? {}))
  })
})

t.test('PATCH /api/users/me', async (t) => {
  const worker = () => {
    const id = newUserId()
    return { id, token: ta.kit.sign({ sub: id, role: 'worker' }) }
  }

  t.test('completes a worker profile and answers the updated profile', async (t) => {
    const u = worker()
    const body = {
      displayName: '  Ama Mensah ',
      headline: 'Senior React developer',
      bio: 'I build web apps.',
      avatarUrl: 'https://cdn.example.com/a.png',
      location: { country: 'gh', city: 'Accra' },
      timezone: 'africa/accra',
      languages: [
        { code: 'en', proficiency: 'fluent' },
        { code: 'pt-br', proficiency: 'basic' },
      ],
      skills: ['React', 'Node.js'],
      hourlyRate: { amountMinor: 4500, currency: 'USD' },
      availability: 'limited',
      experience: [
        { title: 'Engineer', company: 'Acme', from: '2019-03', to: '2022-01', description: 'Web' },
      ],
    }
    const res = await call(ta.app, 'PATCH', '/me', body, u.token)
    t.equal(res.status, 200)
    t.match(res.body, {
      id: u.id,
      displayName: 'Ama Mensah',
      location: { country: 'GH', city: 'Accra' },
      timezone: 'Africa/Accra',
      languages: [
        { code: 'en', proficiency: 'fluent' },
        { code: 'pt-BR', proficiency: 'basic' },
      ],
      skills: ['react', 'node.js'],
      hourlyRate: { amountMinor: 4500, currency: 'USD' },
      availability: 'limited',
      experience: [
        { title: 'Engineer', company: 'Acme', from: '2019-03', to: '2022-01', description: 'Web' },
      ],
      profileVersion: 2,
    })
    const me = await call(ta.app, 'GET', '/me', undefined, u.token)
    t.same(me.body, res.body, 'GET /me answers what PATCH stored')
  })

  t.test('normalises skills: trimmed, lower case, inner spaces collapsed, de-duplicated', async (t) => {
    const u = worker()
    const res = await call(
      ta.app,
      'PATCH',
      '/me',
      { skills: ['  React   Native ', 'react native', 'REACT native', 'C++', 'Go'] },
      u.token,
    )
    t.equal(res.status, 200)
    t.same(res.body.skills, ['react native', 'c++', 'go'])
  })

  t.test('publishes ProfileUpdated with the changed fields and the snapshot', async (t) => {
    const u = worker()
    const res = await ta.app.inject({
      method: 'PATCH',
      url: '/api/users/me',
      payload: { headline: 'Go developer', skills: ['Go'], location: { country: 'KE' } },
      headers: { authorization: `Bearer ${u.token}`, 'x-request-id': 'req-patch-1' },
    })
    t.equal(res.statusCode, 200)
    const event = await probe.waitFor(
      (e) =>
        e.type === 'ProfileUpdated' &&
        (e.data as { userId: string }).userId === u.id &&
        (e.data as { changed: string[] }).changed.length > 0,
    )
    t.match(event, {
      producer: 'user',
      correlationId: 'req-patch-1',
      data: {
        userId: u.id,
        role: 'worker',
        profileVersion: 2,
        headline: 'Go developer',
        skills: ['go'],
        hourlyRate: null,
        availability: 'available',
        country: 'KE',
      },
    })
    t.same([...(event.data as { changed: string[] }).changed].sort(), ['headline', 'location', 'skills'])
  })

  t.test('changes nothing (no version, no event) when the values are the same', async (t) => {
    const u = worker()
    const first = await call(ta.app, 'PATCH', '/me', { headline: 'Same', skills: ['go'] }, u.token)
    const again = await call(ta.app, 'PATCH', '/me', { headline: 'Same', skills: ['Go '] }, u.token)
    t.equal(again.status, 200)
    t.equal(again.body.profileVersion, first.body.profileVersion)
  })

  t.test('bumps profileVersion once per change, also under concurrent patches', async (t) => {
    const u = worker()
    await call(ta.app, 'GET', '/me', undefined, u.token)
    const results = await Promise.all(
      ['a', 'b', 'c', 'd'].map((h) => call(ta.app, 'PATCH', '/me', { headline: `Headline ${h}` }, u.token)),
    )
    t.same(
      results.map((r) => r.status),
      [200, 200, 200, 200],
    )
    const me = await call(ta.app, 'GET', '/me', undefined, u.token)
    t.equal(me.body.profileVersion, 5, 'four changes on top of the creation')
  })

  t.test('clears a nullable field with null', async (t) => {
    const u = worker()
    await call(
      ta.app,
      'PATCH',
      '/me',
      { headline: 'X', hourlyRate: { amountMinor: 100, currency: 'EUR' } },
      u.token,
    )
    const res = await call(ta.app, 'PATCH', '/me', { headline: null, hourlyRate: null }, u.token)
    t.equal(res.status, 200)
    t.equal(res.body.headline, null)
    t.equal(res.body.hourlyRate, null)
  })

  t.test('refuses bad input with 400 naming the field', async (t) => {
    const u = worker()
    const cases: Array<[string, Record<string, unknown>]> = [
      ['displayName', { displayName: '   ' }],
      ['displayName', { displayName: 'x'.repeat(81) }],
      ['headline', { headline: 'x'.repeat(121) }],
      ['bio', { bio: 'x'.repeat(5001) }],
      ['avatarUrl', { avatarUrl: 'javascript:alert(1)' }],
      ['avatarUrl', { avatarUrl: 'ftp://example.com/a.png' }],
      ['location.country', { location: { country: 'ZZ' } }],
      ['location.country', { location: { country: 'GHA' } }],
      ['timezone', { timezone: 'Mars/Olympus_Mons' }],
      ['languages.0.code', { languages: [{ code: '12', proficiency: 'fluent' }] }],
      [
        'languages.1.code',
        {
          languages: [
            { code: 'en', proficiency: 'fluent' },
            { code: 'EN', proficiency: 'basic' },
          ],
        },
      ],
      ['languages.0.proficiency', { languages: [{ code: 'en', proficiency: 'godlike' }] }],
      ['skills.1', { skills: ['react', '   '] }],
      ['skills.0', { skills: ['x'.repeat(51)] }],
      ['skills.0', { skills: ['<script>'] }],
      ['skills.50', { skills: Array.from({ length: 51 }, (_, i) => `skill ${i}`) }],
      ['hourlyRate.amountMinor', { hourlyRate: { amountMinor: 12.5, currency: 'USD' } }],
      ['hourlyRate.amountMinor', { hourlyRate: { amountMinor: -1, currency: 'USD' } }],
      ['hourlyRate.currency', { hourlyRate: { amountMinor: 100, currency: 'usd' } }],
      ['hourlyRate.currency', { hourlyRate: { amountMinor: 100, currency: 'XYZ' } }],
      // ISO 4217 but not on the money allow-list (libs/contracts/src/money.ts)
      ['hourlyRate.currency', { hourlyRate: { amountMinor: 100, currency: 'CHF' } }],
      ['hourlyRate.amountMinor', { hourlyRate: { amountMinor: 0, currency: 'USD' } }],
      // the rate's own ceiling (10 000 000), stricter than money's 99 999 999
      ['hourlyRate.amountMinor', { hourlyRate: { amountMinor: 10_000_001, currency: 'USD' } }],
      ['hourlyRate.amountMinor', { hourlyRate: { amountMinor: 1e308, currency: 'USD' } }],
      ['availability', { availability: 'sometimes' }],
      ['experience.0.from', { experience: [{ title: 'Dev', from: '2020-13' }] }],
      ['experience.0.to', { experience: [{ title: 'Dev', from: '2020-05', to: '2019-01' }] }],
      ['experience.0.from', { experience: [{ title: 'Dev', from: '2999-01' }] }],
      ['experience.0.title', { experience: [{ from: '2020-01' }] }],
    ]
    for (const [field, body] of cases) {
      const res = await call(ta.app, 'PATCH', '/me', body, u.token)
      t.equal(res.status, 400, `${JSON.stringify(body).slice(0, 80)} → 400`)
      t.match(res.headers['content-type'], /application\/problem\+json/)
      t.ok(
        (res.body.errors as Array<{ field: string }> | undefined)?.some((e) => e.field === field),
        `names ${field}: ${JSON.stringify(res.body.errors)}`,
      )
    }
    const me = await call(ta.app, 'GET', '/me', undefined, u.token)
    t.equal(me.body.profileVersion, 1, 'nothing was written')
  })

  t.test("refuses worker-only fields on a hirer's profile and hirer-only fields on a worker's", async (t) => {
    const hirer = newUserId()
    const hirerToken = ta.kit.sign({ sub: hirer, role: 'hirer' })
    for (const [field, value] of [
      ['skills', ['react']],
      ['hourlyRate', { amountMinor: 100, currency: 'USD' }],
      ['availability', 'available'],
      ['experience', []],
    ] as const) {
      const res = await call(ta.app, 'PATCH', '/me', { [field]: value }, hirerToken)
      t.equal(res.status, 400, `hirer ${field}`)
      t.equal(res.body.code, 'USER_ERR_FIELD_NOT_FOR_ROLE')
      t.match(res.body.errors, [{ field }])
    }
    const u = worker()
    const res = await call(ta.app, 'PATCH', '/me', { company: { name: 'Acme' } }, u.token)
    t.equal(res.status, 400)
    t.match(res.body.errors, [{ field: 'company' }])
  })

  t.test('lets a hirer describe the company', async (t) => {
    const hirer = newUserId()
    const token = ta.kit.sign({ sub: hirer, role: 'hirer' })
    const res = await call(
      ta.app,
      'PATCH',
      '/me',
      {
        displayName: 'Kofi',
        company: { name: ' Acme Ltd ', size: '11-50', website: 'https://acme.example', industry: 'Retail' },
      },
      token,
    )
    t.equal(res.status, 200)
    t.same(res.body.company, {
      name: 'Acme Ltd',
      size: '11-50',
      website: 'https://acme.example',
      industry: 'Retail',
    })
    const bad = await call(ta.app, 'PATCH', '/me', { company: { name: 'Acme', size: '5-9' } }, token)
    t.equal(bad.status, 400)
    t.match(bad.body.errors, [{ field: 'company.size' }])
    const badUrl = await call(
      ta.app,
      'PATCH',
      '/me',
      { company: { name: 'Acme', website: 'acme.example' } },
      token,
    )
    t.match(badUrl.body.errors, [{ field: 'company.website' }])
  })

  t.test('refuses changes to a deactivated profile with 403', async (t) => {
    const u = await createUser(ta)
    await ta.events.publish(createEvent('UserDeactivated', { userId: u.id }, { producer: 'auth' }))
    const deadline = Date.now() + 10_000
    let res = await call(ta.app, 'PATCH', '/me', { headline: 'again' }, u.token)
    while (res.status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100))
      res = await call(ta.app, 'PATCH', '/me', { headline: `again ${Date.now()}` }, u.token)
    }
    t.equal(res.status, 403)
    t.equal(res.body.code, 'USER_ERR_PROFILE_DEACTIVATED')
    const me = await call(ta.app, 'GET', '/me', undefined, u.token)
    t.equal(me.body.deactivated, true, 'the owner still sees it, flagged')
  })
})
