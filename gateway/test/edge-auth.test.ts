import t from 'tap'
import { tokenKit } from '@kelmah/testing'
import { bearer, startGateway, startUpstream } from './helpers.js'

t.test('GET /api/jobs/* (protected)', async (t) => {
  const up = await startUpstream(t, ['/api/jobs'])
  const gw = await startGateway(t, { JOB_SERVICE_URL: up.url })

  t.test('passes a valid token through with the Authorization and x-request-id headers', async (t) => {
    const token = gw.kit.sign({ sub: 'user-1' })
    const res = await gw.app.inject({ url: '/api/jobs/42?expand=1', headers: bearer(token) })
    t.equal(res.statusCode, 200)
    t.same(
      res.json(),
      { ok: true, url: '/api/jobs/42?expand=1', method: 'GET' },
      'the full path and query reach the upstream',
    )
    const seen = up.seen.at(-1)!
    t.equal(seen.headers.authorization, `Bearer ${token}`, 'the upstream can verify the token again')
    t.equal(
      seen.headers['x-request-id'],
      res.headers['x-request-id'],
      'the upstream sees the request id the client gets',
    )
  })

  const refusals: Array<[string, () => Record<string, string>]> = [
    ['no token', () => ({})],
    ['an expired token', () => bearer(gw.kit.expired())],
    ['a tampered token', () => bearer(gw.kit.tampered())],
    ['an alg:none token', () => bearer(gw.kit.algNone())],
    ['a token signed by another key', () => bearer(tokenKit().sign())],
    ['a token signed by another key with our key id', () => bearer(tokenKit({ kid: gw.kit.kid }).sign())],
    ['a token for another audience', () => bearer(gw.kit.sign({}, { audience: 'someone-else' }))],
    ['a token in the query string of a plain HTTP request', () => ({})],
  ]
  for (const [what, headers] of refusals) {
    t.test(`answers 401 problem+json for ${what} and never calls the upstream`, async (t) => {
      const before = up.seen.length
      const query = what.includes('query') ? `?token=${gw.kit.sign()}` : ''
      const res = await gw.app.inject({ url: `/api/jobs/1${query}`, headers: headers() })
      t.equal(res.statusCode, 401)
      t.match(res.headers['content-type'], /^application\/problem\+json/)
      t.match(res.headers['www-authenticate'], /^Bearer/)
      t.match(res.json(), { status: 401, code: 'KIT_ERR_UNAUTHORIZED', instance: '/api/jobs/1' })
      t.equal(up.seen.length, before, 'the upstream was not called')
    })
  }

  t.test('says an expired token should be refreshed', async (t) => {
    const res = await gw.app.inject({ url: '/api/jobs/1', headers: bearer(gw.kit.expired()) })
    t.match(res.json().detail, /expired/)
  })
})

t.test('public routes', async (t) => {
  const auth = await startUpstream(t, ['/api/auth'])
  const pay = await startUpstream(t, ['/api/webhooks/stripe'])
  const gw = await startGateway(t, { AUTH_SERVICE_URL: auth.url, PAYMENT_SERVICE_URL: pay.url })

  const open = [
    'register',
    'login',
    'refresh',
    'otp/verify',
    'otp/resend',
    'password/forgot',
    'password/reset',
  ]
  for (const path of open) {
    t.test(`POST /api/auth/${path} passes without a token`, async (t) => {
      const res = await gw.app.inject({
        method: 'POST',
        url: `/api/auth/${path}`,
        payload: { email: 'a@b.c' },
      })
      t.equal(res.statusCode, 200)
      t.equal(auth.seen.at(-1)?.url, `/api/auth/${path}`)
    })
  }

  t.test('GET /api/auth/.well-known/jwks.json passes without a token', async (t) => {
    const res = await gw.app.inject({ url: '/api/auth/.well-known/jwks.json' })
    t.equal(res.statusCode, 200)
  })

  t.test(
    'POST /api/auth/refresh passes with an expired access token (the client is refreshing it)',
    async (t) => {
      const res = await gw.app.inject({
        method: 'POST',
        url: '/api/auth/refresh',
        headers: bearer(gw.kit.expired()),
        payload: {},
      })
      t.equal(res.statusCode, 200)
    },
  )

  t.test(
    'POST /api/webhooks/stripe passes without a token, raw body intact for the signature check',
    async (t) => {
      const raw = '{"id":"evt_1",  "type":"payment_intent.succeeded"}'
      const res = await gw.app.inject({
        method: 'POST',
        url: '/api/webhooks/stripe',
        headers: { 'content-type': 'application/octet-stream', 'stripe-signature': 't=1,v1=abc' },
        payload: raw,
      })
      t.equal(res.statusCode, 200)
      t.equal(String(pay.seen.at(-1)?.body), raw)
      t.equal(pay.seen.at(-1)?.headers['stripe-signature'], 't=1,v1=abc')
    },
  )

  t.test('GET /api/auth/me still needs a token', async (t) => {
    const res = await gw.app.inject({ url: '/api/auth/me' })
    t.equal(res.statusCode, 401)
  })

  t.test('GET /api/auth/login (wrong method) still needs a token', async (t) => {
    const res = await gw.app.inject({ url: '/api/auth/login' })
    t.equal(res.statusCode, 401)
  })

  t.test('an unrouted prefix answers 404 problem+json', async (t) => {
    const res = await gw.app.inject({ url: '/api/users/1', headers: bearer(gw.kit.sign()) })
    t.equal(res.statusCode, 404)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
  })
})
