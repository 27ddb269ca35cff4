import t from 'tap'
import { bearer, startGateway, startUpstream } from './helpers.js'

t.test('request ids, CORS and security headers (full edge)', async (t) => {
  const up = await startUpstream(t, ['/api/jobs'])
  const gw = await startGateway(t, {
    JOB_SERVICE_URL: up.url,
    CORS_ORIGINS: 'https://app.kelmah.test, https://admin.kelmah.test',
  })
  const headers = bearer(gw.kit.sign())

  t.test('makes an x-request-id when none is sent, returns it and forwards it upstream', async (t) => {
    const res = await gw.app.inject({ url: '/api/jobs/1', headers })
    const id = res.headers['x-request-id']
    t.match(id, /^[0-9a-f-]{36}$/)
    t.equal(up.seen.at(-1)?.headers['x-request-id'], id)
  })

  t.test('passes a safe incoming x-request-id through, both ways', async (t) => {
    const res = await gw.app.inject({
      url: '/api/jobs/1',
      headers: { ...headers, 'x-request-id': 'client-abc.123' },
    })
    t.equal(res.headers['x-request-id'], 'client-abc.123')
    t.equal(up.seen.at(-1)?.headers['x-request-id'], 'client-abc.123')
  })

  t.test('replaces an unsafe incoming x-request-id', async (t) => {
    const res = await gw.app.inject({
      url: '/api/jobs/1',
      headers: { ...headers, 'x-request-id': 'bad id with spaces' },
    })
    t.not(res.headers['x-request-id'], 'bad id with spaces')
    t.equal(up.seen.at(-1)?.headers['x-request-id'], res.headers['x-request-id'])
  })

  t.test('puts the request id on error responses too', async (t) => {
    const res = await gw.app.inject({ url: '/api/jobs/1', headers: { 'x-request-id': 'err-1' } })
    t.equal(res.statusCode, 401)
    t.equal(res.headers['x-request-id'], 'err-1')
    t.equal(res.json().requestId, 'err-1')
  })

  t.test('answers a CORS preflight from an allowed origin without a token or the upstream', async (t) => {
    const before = up.seen.length
    const res = await gw.app.inject({
      method: 'OPTIONS',
      url: '/api/jobs/1',
      headers: {
        origin: 'https://admin.kelmah.test',
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'authorization,content-type',
      },
    })
    t.equal(res.statusCode, 204)
    t.equal(res.headers['access-control-allow-origin'], 'https://admin.kelmah.test')
    t.match(res.headers['access-control-allow-methods'], /PATCH/)
    t.match(res.headers['access-control-allow-headers'], /authorization/)
    t.equal(res.headers['access-control-allow-credentials'], 'true')
    t.equal(up.seen.length, before)
  })

  t.test('does not allow an unknown origin', async (t) => {
    const res = await gw.app.inject({
      method: 'OPTIONS',
      url: '/api/jobs/1',
      headers: { origin: 'https://evil.test', 'access-control-request-method': 'GET' },
    })
    t.equal(res.headers['access-control-allow-origin'], undefined)
  })

  t.test('exposes the request id to browser code on actual requests', async (t) => {
    const res = await gw.app.inject({
      url: '/api/jobs/1',
      headers: { ...headers, origin: 'https://app.kelmah.test' },
    })
    t.equal(res.headers['access-control-allow-origin'], 'https://app.kelmah.test')
    t.match(res.headers['access-control-expose-headers'], /x-request-id/)
  })

  t.test('sends security headers', async (t) => {
    const res = await gw.app.inject({ url: '/api/jobs/1', headers })
    t.equal(res.headers['x-content-type-options'], 'nosniff')
    t.ok(res.headers['strict-transport-security'])
    t.equal(res.headers['x-frame-options'], 'SAMEORIGIN')
    t.equal(
      res.headers['content-security-policy'],
      "default-src 'none';frame-ancestors 'self'",
      'deny-all CSP on JSON',
    )
    t.equal(res.headers['x-xss-protection'], undefined, 'document-only headers are left off API responses')
    t.equal(res.headers['x-powered-by'], undefined)
  })

  t.test("sends helmet's default headers on the gateway's own routes (docs are HTML)", async (t) => {
    const res = await gw.app.inject({ url: '/health/live' })
    t.equal(res.headers['x-content-type-options'], 'nosniff')
    t.match(res.headers['content-security-policy'], /default-src 'self'/)
  })
})

t.test('bare mode (benchmark baseline) only proxies', async (t) => {
  const up = await startUpstream(t, ['/api/jobs'])
  const gw = await startGateway(
    t,
    { JOB_SERVICE_URL: up.url, REDIS_URL: 'redis://127.0.0.1:1' },
    { mode: 'bare' },
  )
  const res = await gw.app.inject({ url: '/api/jobs/1', headers: { origin: 'https://app.kelmah.test' } })
  t.equal(res.statusCode, 200, 'no token needed, and no Redis either')
  t.equal(res.headers['x-ratelimit-limit'], undefined)
  t.equal(res.headers['access-control-allow-origin'], undefined)
  t.equal(res.headers['x-content-type-options'], undefined)
  t.equal(up.seen.at(-1)?.headers['x-request-id'], res.headers['x-request-id'], 'request ids still flow')
})
