import t from 'tap'
import net from 'node:net'
import { bearer, hidden, startGateway, startUpstream } from './helpers.js'

/** A port with nothing listening on it (connections are refused). */
async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

t.test('an upstream that is down answers 503 problem+json at once', async (t) => {
  const gw = await startGateway(t, {
    JOB_SERVICE_URL: `http://127.0.0.1:${await closedPort()}`,
    UPSTREAM_TIMEOUT_MS: '5000',
  })
  const started = performance.now()
  const res = await gw.app.inject({ url: '/api/jobs/1', headers: bearer(gw.kit.sign()) })
  const elapsed = performance.now() - started
  t.equal(res.statusCode, 503)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json(), {
    status: 503,
    code: 'GATEWAY_ERR_UPSTREAM_UNAVAILABLE',
    detail: /job service/,
    requestId: String,
  })
  t.ok(elapsed < 1000, `answered in ${Math.round(elapsed)} ms (< 1 s)`)
})

t.test('a slow upstream answers 504 problem+json after UPSTREAM_TIMEOUT_MS', async (t) => {
  const up = await startUpstream(t, [], (app) => {
    app.get('/api/jobs/slow', { schema: hidden }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 3_000))
      return { late: true }
    })
  })
  const gw = await startGateway(t, { JOB_SERVICE_URL: up.url, UPSTREAM_TIMEOUT_MS: '300' })
  const started = performance.now()
  const res = await gw.app.inject({ url: '/api/jobs/slow', headers: bearer(gw.kit.sign()) })
  const elapsed = performance.now() - started
  t.equal(res.statusCode, 504)
  t.match(res.json(), { status: 504, code: 'GATEWAY_ERR_UPSTREAM_TIMEOUT', detail: /300 ms/ })
  t.ok(elapsed >= 280 && elapsed < 1500, `answered in ${Math.round(elapsed)} ms (timeout 300 ms)`)
})

t.test('an upstream that drops the connection answers 502 problem+json', async (t) => {
  const up = await startUpstream(t, [], (app) => {
    app.post('/api/jobs/crash', { schema: hidden }, async (request) => {
      request.raw.socket.destroy()
    })
  })
  const gw = await startGateway(t, { JOB_SERVICE_URL: up.url })
  const res = await gw.app.inject({
    method: 'POST',
    url: '/api/jobs/crash',
    headers: bearer(gw.kit.sign()),
    payload: { a: 1 },
  })
  t.equal(res.statusCode, 502)
  t.match(res.json(), { status: 502, code: 'GATEWAY_ERR_BAD_GATEWAY' })
})

t.test('an upstream 503 is passed on as it is, not retried', async (t) => {
  let calls = 0
  const up = await startUpstream(t, [], (app) => {
    app.get('/api/jobs/busy', { schema: hidden }, async (_req, reply) => {
      calls++
      return reply.code(503).header('retry-after', '1').send({ busy: true })
    })
  })
  const gw = await startGateway(t, { JOB_SERVICE_URL: up.url })
  const res = await gw.app.inject({ url: '/api/jobs/busy', headers: bearer(gw.kit.sign()) })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { busy: true })
  t.equal(calls, 1)
})

t.test('request bodies over BODY_LIMIT_BYTES', async (t) => {
  const up = await startUpstream(t, ['/api/jobs'])
  const gw = await startGateway(t, { JOB_SERVICE_URL: up.url, BODY_LIMIT_BYTES: '1000' })
  const headers = { ...bearer(gw.kit.sign()), 'content-type': 'application/json' }

  t.test('are refused with 413 when the length is declared, before the upstream is called', async (t) => {
    const before = up.seen.length
    const res = await gw.app.inject({
      method: 'POST',
      url: '/api/jobs',
      headers,
      payload: JSON.stringify({ text: 'x'.repeat(2000) }),
    })
    t.equal(res.statusCode, 413)
    t.match(res.json(), { code: 'GATEWAY_ERR_BODY_TOO_LARGE' })
    t.equal(up.seen.length, before)
  })

  t.test('are refused with 413 when streamed in chunks without a length', async (t) => {
    const url = await gw.app.listen({ port: 0, host: '127.0.0.1' })
    const body = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new TextEncoder().encode('y'.repeat(400)))
        controller.close()
      },
    })
    const res = await fetch(`${url}/api/jobs`, { method: 'POST', headers, body, duplex: 'half' })
    t.equal(res.status, 413)
    t.match(await res.json(), { code: 'GATEWAY_ERR_BODY_TOO_LARGE' })
  })

  t.test('pass when within the limit', async (t) => {
    const res = await gw.app.inject({
      method: 'POST',
      url: '/api/jobs',
      headers,
      payload: JSON.stringify({ text: 'small' }),
    })
    t.equal(res.statusCode, 200)
    t.same(up.seen.at(-1)?.body, { text: 'small' })
  })
})
