import t from 'tap'
import { randomUUID } from 'node:crypto'
import { revocationKey, revokeTokens } from '@kelmah/service-kit'
import { testEnv } from '@kelmah/testing'
import { Redis } from 'ioredis'
import { WebSocket } from 'ws'
import { bearer, startGateway, startUpstream } from './helpers.js'

const redis = new Redis(testEnv().redisUrl)
t.teardown(() => redis.quit())

/** Open a WebSocket; resolve with 101 once open, or with the HTTP status of a refused upgrade. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.once('open', () => {
      ws.close()
      resolve(101)
    })
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.once('error', reject)
  })
}

t.test('revoked tokens at the edge', async (t) => {
  const jobs = await startUpstream(t, ['/api/jobs', '/ws'])
  const gw = await startGateway(t, { JOB_SERVICE_URL: jobs.url, MESSAGING_SERVICE_URL: jobs.url })
  const base = (await gw.app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws')

  t.test(
    'refuses a token issued before the user was signed out everywhere, 401, upstream untouched',
    async (t) => {
      const sub = `user-${randomUUID()}`
      t.teardown(() => redis.del(revocationKey(sub)))
      const old = gw.kit.sign({ sub })
      t.equal((await gw.app.inject({ url: '/api/jobs/1', headers: bearer(old) })).statusCode, 200)
      await revokeTokens(redis, sub, { tokenTtlMs: 900_000 })
      const before = jobs.seen.length
      const res = await gw.app.inject({ url: '/api/jobs/1', headers: bearer(old) })
      t.equal(res.statusCode, 401)
      t.match(res.headers['content-type'], /problem\+json/)
      t.match(res.json(), { code: 'KIT_ERR_UNAUTHORIZED', detail: /revoked/ })
      t.equal(jobs.seen.length, before, 'the upstream was not called')
      t.equal(res.headers['x-ratelimit-limit'] !== undefined, true, 'still counted by the limiter')

      t.equal(await upgradeStatus(`${base}/ws`, bearer(old)), 401, 'no new socket with it either')

      const fresh = gw.kit.sign({ sub, iatMs: Date.now() + 1 })
      t.equal((await gw.app.inject({ url: '/api/jobs/1', headers: bearer(fresh) })).statusCode, 200)
      t.equal(
        await upgradeStatus(`${base}/ws`, bearer(fresh)),
        101,
        'a token issued after the mark opens sockets',
      )
      const other = gw.kit.sign()
      t.equal(
        (await gw.app.inject({ url: '/api/jobs/1', headers: bearer(other) })).statusCode,
        200,
        'other users are untouched',
      )
    },
  )

  t.test('a mark never moves back', async (t) => {
    const sub = `user-${randomUUID()}`
    t.teardown(() => redis.del(revocationKey(sub)))
    const later = await revokeTokens(redis, sub, { tokenTtlMs: 60_000 })
    const again = await revokeTokens(redis, sub, { tokenTtlMs: 60_000, at: new Date(later - 10_000) })
    t.equal(again, later)
    const ttl = await redis.pttl(revocationKey(sub))
    t.ok(ttl > 60_000 && ttl <= 120_000, 'it lives as long as the tokens it voids, plus a margin')
  })
})

t.test('admin routes at the edge', async (t) => {
  const auth = await startUpstream(t, ['/api/auth'])
  const pay = await startUpstream(t, ['/api/payments'])
  const jobs = await startUpstream(t, ['/api/jobs', '/api/reviews'])
  const gw = await startGateway(t, {
    AUTH_SERVICE_URL: auth.url,
    PAYMENT_SERVICE_URL: pay.url,
    JOB_SERVICE_URL: jobs.url,
    REVIEW_SERVICE_URL: jobs.url,
  })
  const worker = bearer(gw.kit.sign({ role: 'worker' }))
  const hirer = bearer(gw.kit.sign({ role: 'hirer' }))
  const admin = bearer(gw.kit.sign({ role: 'admin' }))

  const adminOnly: Array<[string, string]> = [
    ['GET', '/api/auth/admin/users?q=a'],
    ['POST', '/api/auth/admin/users/abc/suspend'],
    ['GET', '/api/auth/admin/audit'],
    ['GET', '/api/auth/admin'],
    ['GET', '/api/jobs/admin/reports'],
    ['GET', '/api/auth//admin/users'],
    ['GET', '/api/auth/x/../admin/users'],
    ['GET', '/api/auth/%61dmin/users'],
    ['GET', '/api/payments/disputes'],
    ['GET', '/api/payments/disputes?status=open'],
    ['POST', '/api/payments/disputes/65a000000000000000000001/resolve'],
    ['GET', '/api/payments/ledger/check'],
    ['HEAD', '/api/payments/ledger/check'],
    ['GET', '/api/reviews/reports'],
    ['POST', '/api/reviews/reports/r1/resolve'],
    ['POST', '/api/reviews/reports/r1/dismiss'],
    ['POST', '/api/reviews/65a000000000000000000001/hide'],
    ['POST', '/api/reviews/65a000000000000000000001/restore'],
  ]
  for (const [method, url] of adminOnly) {
    t.test(`${method} ${url}: 403 problem for workers and hirers, passes for admins`, async (t) => {
      const seen = () => auth.seen.length + pay.seen.length + jobs.seen.length
      const before = seen()
      for (const headers of [worker, hirer]) {
        const res = await gw.app.inject({
          method: method as 'GET',
          url,
          headers,
          payload: method === 'POST' ? {} : undefined,
        })
        t.equal(res.statusCode, 403)
        t.match(res.headers['content-type'], /problem\+json/)
        if (method !== 'HEAD') t.match(res.json(), { code: 'KIT_ERR_FORBIDDEN' })
      }
      t.equal(seen(), before, 'no upstream was called')
      t.equal((await gw.app.inject({ method: method as 'GET', url })).statusCode, 401, 'no token: 401')
      const ok = await gw.app.inject({
        method: method as 'GET',
        url,
        headers: admin,
        payload: method === 'POST' ? {} : undefined,
      })
      t.equal(ok.statusCode, 200)
    })
  }

  for (const [method, url] of [
    ['GET', '/api/payments/disputes/65a000000000000000000001'],
    ['POST', '/api/payments/disputes'],
    ['GET', '/api/auth/me'],
    ['GET', '/api/jobs/administrators'],
    ['POST', '/api/reviews/65a000000000000000000001/report'],
  ] as const) {
    t.test(`${method} ${url} stays open to every signed-in role`, async (t) => {
      const res = await gw.app.inject({
        method,
        url,
        headers: worker,
        payload: method === 'POST' ? {} : undefined,
      })
      t.equal(res.statusCode, 200)
    })
  }
})
