import { createEvent } from '@kelmah/contracts'
import t from 'tap'
import { buildTestApp, call, createUser, eventually, newUserId } from '../fixtures/app.js'

const ta = await buildTestApp()
t.teardown(() => ta.close())

t.test('GET /api/users/:id', async (t) => {
  const viewer = await createUser(ta, { role: 'hirer' })

  t.test("shows a worker's public profile without private fields", async (t) => {
    const w = await createUser(ta, {
      patch: {
        displayName: 'Ama',
        headline: 'Designer',
        timezone: 'Europe/London',
        skills: ['Figma'],
        hourlyRate: { amountMinor: 3000, currency: 'GBP' },
        location: { country: 'GB', city: 'London' },
      },
    })
    await call(
      ta.app,
      'POST',
      '/me/portfolio',
      { title: 'Logo', links: ['https://example.com/logo'] },
      w.token,
    )
    const res = await call(ta.app, 'GET', `/${w.id}`, undefined, viewer.token)
    t.equal(res.status, 200)
    t.match(res.body, {
      id: w.id,
      role: 'worker',
      displayName: 'Ama',
      headline: 'Designer',
      timezone: 'Europe/London',
      skills: ['figma'],
      hourlyRate: { amountMinor: 3000, currency: 'GBP' },
      location: { country: 'GB', city: 'London' },
      rating: { average: 0, count: 0 },
      portfolio: [{ title: 'Logo', links: ['https://example.com/logo'] }],
    })
    for (const hidden of [
      'email',
      'profileVersion',
      'deactivated',
      'deactivatedAt',
      'keywords',
      'outbox',
      'updatedAt',
      '_id',
    ]) {
      t.notOk(hidden in res.body, `no ${hidden}`)
    }
    t.notOk('sequence' in res.body.rating, 'no rating sequence')
    t.notOk('company' in res.body, 'no hirer fields on a worker')
  })

  t.test("shows a hirer's company and no worker fields", async (t) => {
    const h = await createUser(ta, { role: 'hirer', patch: { company: { name: 'Acme', size: '2-10' } } })
    const res = await call(ta.app, 'GET', `/${h.id}`, undefined, viewer.token)
    t.equal(res.status, 200)
    t.match(res.body, {
      role: 'hirer',
      company: { name: 'Acme', size: '2-10', website: null, industry: null },
    })
    for (const f of ['skills', 'hourlyRate', 'availability', 'experience', 'portfolio'])
      t.notOk(f in res.body, `no ${f}`)
  })

  t.test('answers 404 for an unknown id', async (t) => {
    const res = await call(ta.app, 'GET', `/${newUserId()}`, undefined, viewer.token)
    t.equal(res.status, 404)
    t.equal(res.body.code, 'USER_ERR_PROFILE_NOT_FOUND')
  })

  t.test('answers 404 for a deactivated user', async (t) => {
    const w = await createUser(ta)
    t.equal((await call(ta.app, 'GET', `/${w.id}`, undefined, viewer.token)).status, 200)
    await ta.events.publish(createEvent('UserDeactivated', { userId: w.id }, { producer: 'auth' }))
    await eventually(
      async () =>
        (await call(ta.app, 'GET', `/${w.id}`, undefined, viewer.token)).status === 404 ? true : undefined,
      10_000,
      'deactivation',
    )
    t.pass('hidden')
  })
})
