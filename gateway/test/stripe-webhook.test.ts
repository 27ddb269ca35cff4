/**
 * The Stripe webhook row of the route table (gateway/src/routes.ts): `POST /api/webhooks/stripe`
 * is public (Stripe cannot send our tokens) and the payment service checks `Stripe-Signature`,
 * an HMAC over the exact bytes of the body — so the gateway must pass body and header on untouched.
 * The upstream here is plain node:http, to see the bytes as they arrive on the socket.
 */
import { createHmac } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { bearer, startGateway } from './helpers.js'

/** A request as the fake payment service received it. */
interface Received {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  raw: Buffer
}

/** A fake payment service on 127.0.0.1:0 recording every request's raw bytes; answers `answer()`. */
async function fakePayment(
  t: { teardown(fn: () => unknown): void },
  answer: () => { status: number; body: string } = () => ({ status: 200, body: '{"received":true}' }),
) {
  const received: Received[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, raw: Buffer.concat(chunks) })
      const { status, body } = answer()
      res.writeHead(status, { 'content-type': 'application/json' }).end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received }
}

/** `Stripe-Signature` as Stripe computes it: HMAC-SHA256 of `${t}.${raw body}`. */
function sign(raw: Buffer, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(raw).digest('hex')
  return `t=${timestamp},v1=${mac}`
}

/** A Stripe-like JSON body whose bytes a re-serialisation would change: spacing, key order, non-ASCII, escapes. */
const RAW = Buffer.from(
  '{\n  "id": "evt_1",  "object":"event", "type" : "payment_intent.succeeded",\n' +
    '  "data": {"object": {"id":"pi_1","amount":50000,"currency":"usd","metadata":{"note":"Akwaaba — ₵ 5\\u00e9 \\/"}}},' +
    '"created": 1.7e9 }\n',
  'utf8',
)

t.test('POST /api/webhooks/stripe', async (t) => {
  const pay = await fakePayment(t)
  const gw = await startGateway(t, { PAYMENT_SERVICE_URL: pay.url })
  const secret = 'whsec_gateway_test'

  t.test('passes without a token, the raw JSON body byte for byte and Stripe-Signature intact', async (t) => {
    const signature = sign(RAW, secret)
    const res = await gw.app.inject({
      method: 'POST',
      url: '/api/webhooks/stripe',
      headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature },
      payload: RAW,
    })
    t.equal(res.statusCode, 200)
    t.same(res.json(), { received: true }, 'the payment service’s answer reaches Stripe')
    const got = pay.received.at(-1)!
    t.equal(got.method, 'POST')
    t.equal(got.url, '/api/webhooks/stripe', 'the full path reaches the service')
    t.ok(got.raw.equals(RAW), 'the body arrives byte for byte (no JSON parse and re-serialise)')
    t.equal(got.headers['stripe-signature'], signature)
    t.equal(got.headers['content-type'], 'application/json; charset=utf-8')
    t.equal(got.headers['content-length'], String(RAW.length))
    t.notOk(got.headers.authorization, 'no token is made up on the way')
    t.equal(
      sign(got.raw, secret, Number(/t=(\d+)/.exec(signature)![1])),
      signature,
      'the signature still verifies',
    )
  })

  t.test('passes a chunked body (no Content-Length) byte for byte over a real socket', async (t) => {
    const url = await gw.app.listen({ port: 0, host: '127.0.0.1' })
    const signature = sign(RAW, secret)
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${url}/api/webhooks/stripe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature },
      })
      req.on('response', (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode!))
      })
      req.on('error', reject)
      // Split inside a multi-byte character: the gateway must not decode and re-encode.
      const cut = RAW.indexOf('₵') + 1
      req.write(RAW.subarray(0, cut))
      setTimeout(() => req.end(RAW.subarray(cut)), 20)
    })
    t.equal(status, 200)
    const got = pay.received.at(-1)!
    t.ok(got.raw.equals(RAW), 'the body arrives byte for byte')
    t.equal(got.headers['stripe-signature'], signature)
  })

  t.test('passes the payment service’s refusal of a bad signature on as it is', async (t) => {
    const refusing = await fakePayment(t, () => ({
      status: 400,
      body: '{"status":400,"code":"PAYMENT_ERR_WEBHOOK_SIGNATURE"}',
    }))
    const gw2 = await startGateway(t, { PAYMENT_SERVICE_URL: refusing.url })
    const res = await gw2.app.inject({
      method: 'POST',
      url: '/api/webhooks/stripe',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
      payload: RAW,
    })
    t.equal(res.statusCode, 400)
    t.match(res.json(), { code: 'PAYMENT_ERR_WEBHOOK_SIGNATURE' })
    t.equal(refusing.received.length, 1)
  })
})

t.test('the other payment paths still need a token', async (t) => {
  const pay = await fakePayment(t)
  const gw = await startGateway(t, { PAYMENT_SERVICE_URL: pay.url })
  const protectedRequests: Array<{ method: 'GET' | 'POST'; url: string }> = [
    { method: 'POST', url: '/api/payments/escrow' },
    { method: 'POST', url: '/api/payments/disputes' },
    { method: 'POST', url: '/api/payments/disputes/d1/resolve' },
    { method: 'GET', url: '/api/payments/ledger/check' },
    { method: 'GET', url: '/api/wallet' },
    { method: 'GET', url: '/api/wallet/transactions' },
    { method: 'POST', url: '/api/wallet/payouts' },
    { method: 'POST', url: '/api/wallet/payout-account' },
    { method: 'GET', url: '/api/webhooks/stripe' },
    { method: 'POST', url: '/api/webhooks/stripe/other' },
  ]
  for (const { method, url } of protectedRequests) {
    t.test(`${method} ${url} without a token answers 401 and never reaches the service`, async (t) => {
      const before = pay.received.length
      const res = await gw.app.inject({
        method,
        url,
        ...(method === 'POST' ? { payload: { a: 1 }, headers: { 'stripe-signature': 't=1,v1=00' } } : {}),
      })
      t.equal(res.statusCode, 401)
      t.match(res.json(), { code: 'KIT_ERR_UNAUTHORIZED' })
      t.equal(pay.received.length, before)
    })
  }

  t.test('POST /api/payments/escrow with a token reaches the service with it', async (t) => {
    const token = gw.kit.sign({ sub: 'hirer-1' })
    const res = await gw.app.inject({
      method: 'POST',
      url: '/api/payments/escrow',
      headers: { ...bearer(token), 'idempotency-key': 'k-1' },
      payload: { contractId: 'c1', milestoneId: 'm1' },
    })
    t.equal(res.statusCode, 200)
    const got = pay.received.at(-1)!
    t.equal(got.url, '/api/payments/escrow')
    t.equal(got.headers.authorization, `Bearer ${token}`)
    t.equal(got.headers['idempotency-key'], 'k-1', 'the Idempotency-Key header is passed on')
  })
})
