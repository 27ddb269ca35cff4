import t from 'tap'
import { buildTestApp, call, createUser } from '../fixtures/app.js'

const ta = await buildTestApp()
t.teardown(() => ta.close())

t.test('GET /api/users/skills', async (t) => {
  const viewer = await createUser(ta, { role: 'hirer' })
  const suggest = async (q: string, limit?: number) => {
    const res = await call(
      ta.app,
      'GET',
      `/skills?q=${encodeURIComponent(q)}${limit ? `&limit=${limit}` : ''}`,
      undefined,
      viewer.token,
    )
    t.equal(res.status, 200)
    return res.body.items as Array<{ name: string; usage: number }>
  }

  t.test('suggests seeded skills by normalised prefix', async (t) => {
    const items = await suggest('  REA')
    t.ok(
      items.some((i) => i.name === 'react'),
      JSON.stringify(items),
    )
    t.ok(items.some((i) => i.name === 'react native'))
    t.ok(items.every((i) => i.name.startsWith('rea')))
    t.same(await suggest('zzzz-nothing'), [])
  })

  t.test('counts the skills users put on profiles and ranks most used first', async (t) => {
    await createUser(ta, { patch: { skills: ['React Native', 'Reason ML'] } })
    await createUser(ta, { patch: { skills: ['react native', 'React'] } })
    const u3 = await createUser(ta, { patch: { skills: ['REACT NATIVE'] } })
    let items = await suggest('rea')
    t.match(items[0], { name: 'react native', usage: 3 })
    t.match(items[1], { name: 'react', usage: 1 })
    t.ok(
      items.some((i) => i.name === 'reason ml' && i.usage === 1),
      'a new skill joins the catalogue',
    )

    await call(ta.app, 'PATCH', '/me', { skills: ['python'] }, u3.token)
    items = await suggest('rea')
    t.match(items[0], { name: 'react native', usage: 2 }, 'removing a skill decrements it')
    t.equal(items.length <= 10, true, 'default limit 10')
    t.equal((await suggest('re', 2)).length, 2, 'limit is honoured')
  })

  t.test('escapes regular-expression characters in the query', async (t) => {
    const items = await suggest('c+')
    t.ok(items.some((i) => i.name === 'c++'))
    t.ok(items.every((i) => i.name.startsWith('c+')))
  })

  t.test('refuses a limit out of range with 400 naming limit', async (t) => {
    const res = await call(ta.app, 'GET', '/skills?q=re&limit=500', undefined, viewer.token)
    t.equal(res.status, 400)
    t.match(res.body.errors, [{ field: 'limit' }])
  })
})
