/**
 * The web service as a browser meets it: the built console at `/`, its hashed assets cached for a
 * year, any other page path answered with the app (the single-page fallback), unknown assets and
 * non-page requests 404 problem+json, health; and the test-mode Stripe stand-in signing a
 * `payment_intent.succeeded` that a receiver verifies with the secret.
 */
import { createHmac } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { ensureClientBuilt } from '../src/build-client.js'
import { loadWebConfig } from '../src/config.js'
import { STRIPE_TEST_PATH } from '../src/stripe-test.js'

const config = loadWebConfig({ LOG_LEVEL: 'silent' })
await ensureClientBuilt(config.WEB_CLIENT_DIR)

t.test('GET / and page paths', async (t) => {
  const app = await buildApp({ config, logLevel: false })
  t.teardown(() => app.close())
  const index = await app.inject({ url: '/', headers: { accept: 'text/html' } })
  t.equal(index.statusCode, 200)
  t.match(index.headers['content-type'], /text\/html/)
  t.equal(index.headers['cache-control'], 'no-cache', 'the page is revalidated on every load')
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(index.body)?.[1]
  t.ok(script, 'the page loads a hashed script')
  const asset = await app.inject({ url: script! })
  t.equal(asset.statusCode, 200)
  t.match(asset.headers['cache-control'], /immutable/, 'hashed assets are cached for good')

  const deep = await app.inject({ url: '/jobs/123', headers: { accept: 'text/html,*/*' } })
  t.equal(deep.statusCode, 200, 'a reload on a deep path opens the app')
  t.equal(deep.body, index.body)

  const missing = await app.inject({ url: '/assets/nope.js', headers: { accept: '*/*' } })
  t.equal(missing.statusCode, 404, 'a missing asset is not answered with the page')
  t.match(missing.headers['content-type'], /application\/problem\+json/)
  const api = await app.inject({ method: 'POST', url: '/nowhere', headers: { accept: 'application/json' } })
  t.equal(api.statusCode, 404)

  t.equal((await app.inject({ url: '/health/live' })).statusCode, 200)
  t.equal((await app.inject({ url: '/health/ready' })).statusCode, 200)
  t.equal(
    (await app.inject({ method: 'POST', url: STRIPE_TEST_PATH, payload: {} })).statusCode,
    404,
    'no test-mode route without the secret',
  )
})

t.test(`POST ${STRIPE_TEST_PATH} (test mode)`, async (t) => {
  const secret = 'whsec_web_test'
  const received: Array<{ signature: string; body: string }> = []
  const payment = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      received.push({ signature: String(req.headers['stripe-signature']), body })
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"applied"}')
    })
  })
  await new Promise<void>((r) => payment.listen(0, '127.0.0.1', r))
  t.teardown(() => payment.close())
  const port = (payment.address() as AddressInfo).port
  const app = await buildApp({
    config: loadWebConfig({
      LOG_LEVEL: 'silent',
      STRIPE_WEBHOOK_SECRET: secret,
      PAYMENT_SERVICE_URL: `http://127.0.0.1:${port}`,
    }),
    logLevel: false,
  })
  t.teardown(() => app.close())

  const bad = await app.inject({
    method: 'POST',
    url: STRIPE_TEST_PATH,
    payload: { paymentIntentId: 'x', amountMinor: 0, currency: 'usd' },
  })
  t.equal(bad.statusCode, 400, 'bad input names the field')
  t.match(bad.json(), { errors: [{ field: /paymentIntentId|amountMinor/ }] })

  const res = await app.inject({
    method: 'POST',
    url: STRIPE_TEST_PATH,
    payload: { paymentIntentId: 'pi_123', amountMinor: 50_000, currency: 'USD' },
  })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'applied' }, "the payment service's answer")
  const [delivery] = received
  const event = JSON.parse(delivery!.body) as { type: string; data: { object: Record<string, unknown> } }
  t.equal(event.type, 'payment_intent.succeeded')
  t.match(event.data.object, {
    id: 'pi_123',
    amount: 50_000,
    amount_received: 50_000,
    currency: 'usd',
    status: 'succeeded',
  })
  const [, ts, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(delivery!.signature) ?? []
  t.equal(
    v1,
    createHmac('sha256', secret).update(`${ts}.${delivery!.body}`).digest('hex'),
    'signed as Stripe signs',
  )
})
