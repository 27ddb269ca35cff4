import t from 'tap'
import { buildTestApp, call, createUser } from '../fixtures/app.js'

const ta = await buildTestApp()
t.teardown(() => ta.close())

t.test('/api/users/me/portfolio', async (t) => {
  const owner = await createUser(ta)
  const other = await createUser(ta)

  t.test('POST adds an item, GET lists it, PATCH changes it, DELETE removes it', async (t) => {
    const created = await call(
      ta.app,
      'POST',
      '/me/portfolio',
      {
        title: ' Shop redesign ',
        description: 'Shopify theme',
        links: ['https://shop.example.com'],
        imageUrls: ['https://cdn.example.com/1.png'],
      },
      owner.token,
    )
    t.equal(created.status, 201)
    t.match(created.body, {
      id: /^[0-9a-f]{24}$/,
      title: 'Shop redesign',
      description: 'Shopify theme',
      links: ['https://shop.example.com'],
    })
    const id = created.body.id as string

    const list = await call(ta.app, 'GET', '/me/portfolio', undefined, owner.token)
    t.equal(list.status, 200)
    t.match(list.body, { items: [{ id, title: 'Shop redesign' }], nextCursor: null })

    const patched = await call(
      ta.app,
      'PATCH',
      `/me/portfolio/${id}`,
      { title: 'Shop redesign v2', links: [] },
      owner.token,
    )
    t.equal(patched.status, 200)
    t.match(patched.body, {
      id,
      title: 'Shop redesign v2',
      description: 'Shopify theme',
      links: [],
      imageUrls: ['https://cdn.example.com/1.png'],
    })

    const removed = await call(ta.app, 'DELETE', `/me/portfolio/${id}`, undefined, owner.token)
    t.equal(removed.status, 204)
    t.same((await call(ta.app, 'GET', '/me/portfolio', undefined, owner.token)).body.items, [])
    t.equal((await call(ta.app, 'DELETE', `/me/portfolio/${id}`, undefined, owner.token)).status, 404, 'gone')
  })

  t.test("answers 404 for another user's item (PATCH and DELETE) and leaves it alone", async (t) => {
    const item = (await call(ta.app, 'POST', '/me/portfolio', { title: 'Mine' }, owner.token)).body
    const patch = await call(ta.app, 'PATCH', `/me/portfolio/${item.id}`, { title: 'Stolen' }, other.token)
    t.equal(patch.status, 404)
    t.equal(patch.body.code, 'USER_ERR_PORTFOLIO_ITEM_NOT_FOUND')
    t.equal((await call(ta.app, 'DELETE', `/me/portfolio/${item.id}`, undefined, other.token)).status, 404)
    const mine = await call(ta.app, 'GET', '/me/portfolio', undefined, owner.token)
    t.match(mine.body.items, [{ id: item.id, title: 'Mine' }])
  })

  t.test('refuses bad items with 400 naming the field', async (t) => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['title', { description: 'no title' }],
      ['title', { title: '   ' }],
      ['title', { title: 'x'.repeat(101) }],
      ['links.0', { title: 'A', links: ['javascript:alert(1)'] }],
      ['imageUrls.0', { title: 'A', imageUrls: ['not a url'] }],
      ['links', { title: 'A', links: Array.from({ length: 11 }, (_, i) => `https://e.com/${i}`) }],
      ['description', { title: 'A', description: 'x'.repeat(2001) }],
    ]
    for (const [field, body] of cases) {
      const res = await call(ta.app, 'POST', '/me/portfolio', body, owner.token)
      t.equal(res.status, 400, JSON.stringify(body).slice(0, 60))
      t.ok(
        res.body.errors?.some((e: { field: string }) => e.field === field),
        `names ${field}: ${JSON.stringify(res.body.errors)}`,
      )
    }
  })

  t.test('refuses a hirer with 403 (only workers have a portfolio)', async (t) => {
    const hirer = await createUser(ta, { role: 'hirer' })
    const res = await call(ta.app, 'POST', '/me/portfolio', { title: 'A' }, hirer.token)
    t.equal(res.status, 403)
  })
})
