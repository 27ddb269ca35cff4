/**
 * The web console at `/` (src/routes.ts, WEB_ROUTE): every path outside the API's goes to the web
 * service without a token and with the console's CSP; the API, the socket, docs and health never
 * reach it — an unknown `/api/...` path stays a 404 problem, and a protected API path still needs
 * its token.
 */
import t from 'tap'
import { bearer, hidden, startGateway, startUpstream, type Seen } from './helpers.js'

t.test('GET / and every other non-API path (the web console)', async (t) => {
  const seen: Seen[] = []
  const web = await startUpstream(t, [], (app) => {
    const answer = async (request: { method: string; url: string }) => {
      seen.push({ method: request.method, url: request.url, headers: {} })
      return { ok: true, url: request.url, method: request.method }
    }
    app.all('/', { schema: hidden }, answer)
    app.all('/*', { schema: hidden }, answer)
  })
  const jobs = await startUpstream(t, ['/api/jobs'])
  const gw = await startGateway(t, { WEB_SERVICE_URL: web.url, JOB_SERVICE_URL: jobs.url })

  for (const url of ['/', '/jobs/42', '/assets/index-abc.js', '/favicon.svg']) {
    t.test(`${url} reaches the console without a token`, async (t) => {
      const res = await gw.app.inject({ url })
      t.equal(res.statusCode, 200)
      t.equal(res.json().url, url, 'the full path reaches the web service')
    })
  }

  t.test("the console's pages carry a CSP that allows only this origin", async (t) => {
    const res = await gw.app.inject({ url: '/jobs' })
    const csp = String(res.headers['content-security-policy'])
    t.match(csp, /default-src 'self'/)
    t.match(csp, /script-src 'self'(;|$)/, 'no inline or foreign scripts')
    t.match(csp, /connect-src 'self'/, 'API calls and the socket to this origin')
    t.match(csp, /frame-ancestors 'none'/)
    t.notMatch(csp, /unsafe-inline|unsafe-eval/)
    t.equal(res.headers['x-content-type-options'], 'nosniff')
  })

  t.test('POST to the console (its test-mode routes) is public too', async (t) => {
    const res = await gw.app.inject({ method: 'POST', url: '/console/x', payload: { a: 1 } })
    t.equal(res.statusCode, 200)
  })

  for (const url of ['/api/nowhere', '/api', '/ws/x', '/docs/nothing-here', '/health/x', '/metrics']) {
    t.test(`${url} never reaches the console: 404 problem+json`, async (t) => {
      const before = seen.length
      const res = await gw.app.inject({ url })
      t.equal(res.statusCode, 404)
      t.match(res.headers['content-type'], /^application\/problem\+json/)
      t.equal(seen.length, before, 'the web service was not called')
    })
  }

  t.test('the API keeps its own route and its token rule', async (t) => {
    t.equal((await gw.app.inject({ url: '/api/jobs/1' })).statusCode, 401)
    const ok = await gw.app.inject({ url: '/api/jobs/1', headers: bearer(gw.kit.sign()) })
    t.equal(ok.statusCode, 200)
    t.match(
      String(ok.headers['content-security-policy']),
      /default-src 'none'/,
      'API answers keep the deny-all CSP',
    )
  })

  t.test('GET /health lists the console among the upstreams', async (t) => {
    const res = await gw.app.inject({ url: '/health' })
    t.ok(res.json().services.web, 'web is probed')
  })
})

t.test('without WEB_SERVICE_URL, / is a 404 as before', async (t) => {
  const gw = await startGateway(t, {})
  t.equal((await gw.app.inject({ url: '/' })).statusCode, 404)
})
