import t from 'tap'
import { buildTestApp } from '../fixtures/app.js'

const ta = await buildTestApp()
t.teardown(() => ta.close())

const routes: Array<[string, string]> = [
  ['GET', '/api/users/me'],
  ['PATCH', '/api/users/me'],
  ['GET', '/api/users/me/portfolio'],
  ['POST', '/api/users/me/portfolio'],
  ['PATCH', '/api/users/me/portfolio/abc'],
  ['DELETE', '/api/users/me/portfolio/abc'],
  ['GET', '/api/users/skills?q=re'],
  ['GET', '/api/users/search?q=react'],
  ['GET', '/api/users/user-1234'],
]

t.test('every route', async (t) => {
  t.test('answers 401 without a token', async (t) => {
    for (const [method, url] of routes) {
      const res = await ta.app.inject({
        method: method as 'GET',
        url,
        payload: method === 'GET' || method === 'DELETE' ? undefined : {},
      })
      t.equal(res.statusCode, 401, `${method} ${url}`)
      t.match(res.headers['content-type'], /application\/problem\+json/)
    }
  })

  t.test('answers 401 for an expired, tampered or unsigned token', async (t) => {
    for (const token of [ta.kit.expired(), ta.kit.tampered(), ta.kit.algNone()]) {
      const res = await ta.app.inject({
        method: 'GET',
        url: '/api/users/me',
        headers: { authorization: `Bearer ${token}` },
      })
      t.equal(res.statusCode, 401)
    }
  })
})

t.test('GET /openapi.json', async (t) => {
  t.test('documents every route with bearer security', async (t) => {
    const res = await ta.app.inject({ method: 'GET', url: '/openapi.json' })
    t.equal(res.statusCode, 200)
    const paths = res.json().paths as Record<string, Record<string, { security?: unknown[] }>>
    for (const p of [
      '/api/users/me',
      '/api/users/me/portfolio',
      '/api/users/me/portfolio/{itemId}',
      '/api/users/skills',
      '/api/users/search',
      '/api/users/{id}',
    ]) {
      t.ok(paths[p], p)
      for (const op of Object.values(paths[p] ?? {})) t.same(op.security, [{ bearerAuth: [] }], p)
    }
  })
})
