import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { bearer, startGateway, startUpstream } from './helpers.js'

t.test('rate limits (Redis)', async (t) => {
  const auth = await startUpstream(t, ['/api/auth'])
  const jobs = await startUpstream(t, ['/api/jobs'])
  // Each test gets its own gateway, hence its own counter namespace: no waiting for windows.
  const gateway = (t: Parameters<typeof startGateway>[0]) =>
    startGateway(t, {
      AUTH_SERVICE_URL: auth.url,
      JOB_SERVICE_URL: jobs.url,
      RATE_LIMIT_MAX: '3',
      RATE_LIMIT_WINDOW_MS: '1000',
      RATE_LIMIT_AUTH_MAX: '2',
      RATE_LIMIT_AUTH_WINDOW_MS: '1000',
    })

  t.test(
    'answers 429 problem+json with Retry-After past the limit, then recovers after the window',
    async (t) => {
      const gw = await gateway(t)
      const headers = bearer(gw.kit.sign({ sub: 'limited-user' }))
      const codes = []
      for (let i = 0; i < 3; i++)
        codes.push((await gw.app.inject({ url: '/api/jobs/1', headers })).statusCode)
      t.same(codes, [200, 200, 200])
      const before = jobs.seen.length
      const limited = await gw.app.inject({ url: '/api/jobs/1', headers })
      t.equal(limited.statusCode, 429)
      t.match(limited.headers['content-type'], /^application\/problem\+json/)
      t.ok(Number(limited.headers['retry-after']) >= 1, 'Retry-After names the seconds to wait')
      t.match(limited.json(), { status: 429, code: 'GATEWAY_ERR_RATE_LIMITED', retryAfter: Number })
      t.equal(jobs.seen.length, before, 'a limited request never reaches the upstream')

      await sleep(1100)
      t.equal(
        (await gw.app.inject({ url: '/api/jobs/1', headers })).statusCode,
        200,
        'the next window lets requests through again',
      )
    },
  )

  t.test('counts each user separately, whatever their IP', async (t) => {
    const gw = await gateway(t)
    const a = bearer(gw.kit.sign({ sub: 'user-a' }))
    const b = bearer(gw.kit.sign({ sub: 'user-b' }))
    for (let i = 0; i < 3; i++) await gw.app.inject({ url: '/api/jobs/1', headers: a })
    t.equal((await gw.app.inject({ url: '/api/jobs/1', headers: a })).statusCode, 429)
    t.equal(
      (await gw.app.inject({ url: '/api/jobs/1', headers: b })).statusCode,
      200,
      'user b still has requests left',
    )
  })

  t.test('counts requests without a valid token per IP, before answering 401', async (t) => {
    const gw = await gateway(t)
    const codes = []
    for (let i = 0; i < 4; i++)
      codes.push((await gw.app.inject({ url: '/api/jobs/1', headers: bearer('garbage') })).statusCode)
    t.same(codes, [401, 401, 401, 429], 'a flood of bad tokens is limited too')
  })

  t.test('limits POST /api/auth/login more tightly than other routes, per IP', async (t) => {
    const gw = await gateway(t)
    const codes = []
    for (let i = 0; i < 3; i++) {
      codes.push(
        (
          await gw.app.inject({
            method: 'POST',
            url: '/api/auth/login',
            payload: { email: 'x@y.z', password: 'p' },
          })
        ).statusCode,
      )
    }
    t.same(codes, [200, 200, 429], 'the third login attempt in the window is refused (limit 2)')
    const other = await gw.app.inject({
      url: '/api/jobs/1',
      headers: bearer(gw.kit.sign({ sub: 'fresh-user' })),
    })
    t.equal(other.statusCode, 200, 'other routes keep their own, larger budget')
  })

  t.test('POST /api/auth/register shares the tight login budget', async (t) => {
    const gw = await gateway(t)
    await gw.app.inject({ method: 'POST', url: '/api/auth/login', payload: {} })
    await gw.app.inject({ method: 'POST', url: '/api/auth/password/forgot', payload: {} })
    t.equal((await gw.app.inject({ method: 'POST', url: '/api/auth/register', payload: {} })).statusCode, 429)
  })

  t.test('never limits /health', async (t) => {
    const gw = await gateway(t)
    for (let i = 0; i < 5; i++) t.equal((await gw.app.inject({ url: '/health' })).statusCode, 200)
  })
})
