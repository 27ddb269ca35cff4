import { randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { MongoClient } from 'mongodb'
import Stripe from 'stripe'
import { LOCAL_STRIPE_WEBHOOK_SECRET } from '../services.js'
import { main, triggerArgs, UsageError } from '../stripe-trigger.js'
import { signStripePayload, stripeEvent } from '../stripe-webhook.js'

/** A request as the fake gateway received it. */
interface Received {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  raw: Buffer
}

/** A local HTTP server standing in for the gateway: records each request, answers `status`. */
async function fakeGateway(t: { teardown(fn: () => unknown): void }, status = 200) {
  const received: Received[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, raw: Buffer.concat(chunks) })
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(status < 300 ? { received: true } : { code: 'PAYMENT_ERR_SIGNATURE' }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, received }
}

/** Runs {@link main} capturing its output, with an environment that sets nothing. */
async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = []
  const err: string[] = []
  const code = await main(argv, { env, out: (l) => out.push(l), err: (l) => err.push(l) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

t.test('signStripePayload / stripeEvent', async (t) => {
  t.test('sign a payload the SDK verifies, and only that payload', async (t) => {
    const payload = JSON.stringify(
      stripeEvent('payment_intent.succeeded', { id: 'pi_1', object: 'payment_intent' }),
    )
    const header = signStripePayload(payload, 'whsec_x')
    t.match(header, /^t=\d+,v1=[0-9a-f]{64}$/)
    t.equal(Stripe.webhooks.constructEvent(payload, header, 'whsec_x', 300).type, 'payment_intent.succeeded')
    t.throws(() => Stripe.webhooks.constructEvent(`${payload} `, header, 'whsec_x', 300), /signature/i)
    t.throws(() => Stripe.webhooks.constructEvent(payload, header, 'whsec_other', 300), /signature/i)
  })

  t.test('a timestamp in the past makes a signature outside the tolerance', async (t) => {
    const payload = '{"id":"evt_1","object":"event"}'
    const old = Math.floor(Date.now() / 1000) - 301
    const header = signStripePayload(payload, 'whsec_x', old)
    t.match(header, new RegExp(`^t=${old},v1=`))
    t.throws(() => Stripe.webhooks.constructEvent(payload, header, 'whsec_x', 300), /tolerance/i)
  })

  t.test('an event carries the fields Stripe always sends', async (t) => {
    const event = stripeEvent(
      'charge.dispute.created',
      { id: 'dp_1' },
      { id: 'evt_fixed', created: 1_700_000_000 },
    )
    t.same(event, {
      id: 'evt_fixed',
      object: 'event',
      type: 'charge.dispute.created',
      created: 1_700_000_000,
      data: { object: { id: 'dp_1' } },
      livemode: false,
      api_version: Stripe.API_VERSION,
      pending_webhooks: 0,
      request: { id: null },
    })
    t.match(stripeEvent('x', {}).id, /^evt_[0-9a-f]{24}$/, 'a fresh id by default')
  })
})

t.test('npm run stripe:trigger', async (t) => {
  t.test(
    'delivers a payment_intent.succeeded the Stripe SDK verifies, to /api/webhooks/stripe',
    async (t) => {
      const gw = await fakeGateway(t)
      const r = await run(
        ['payment_intent.succeeded', '--payment-intent', 'pi_123', '--amount', '50000', '--currency', 'USD'],
        { KELMAH_URL: `${gw.url}/` },
      )
      t.equal(r.code, 0, r.err)
      t.equal(gw.received.length, 1)
      const req = gw.received[0]!
      t.equal(req.method, 'POST')
      t.equal(req.url, '/api/webhooks/stripe')
      t.match(req.headers['content-type'], /^application\/json/)
      const header = req.headers['stripe-signature'] as string
      const event = Stripe.webhooks.constructEvent(req.raw, header, LOCAL_STRIPE_WEBHOOK_SECRET, 300)
      t.equal(event.type, 'payment_intent.succeeded')
      t.match(event.id, /^evt_/)
      t.same(event.data.object, {
        id: 'pi_123',
        object: 'payment_intent',
        amount: 50000,
        amount_received: 50000,
        currency: 'usd',
        status: 'succeeded',
        created: (event.data.object as { created: number }).created,
        livemode: false,
        metadata: {},
      })
      t.match(r.out, /payment_intent\.succeeded .*pi_123 50000 usd/)
      t.match(r.out, /→ 200 \{"received":true\}/, 'prints the status and the body')
    },
  )

  t.test('signs with --secret, and --event-id repeats an event id (duplicate deliveries)', async (t) => {
    const gw = await fakeGateway(t)
    const argv = [
      'payment_intent.payment_failed',
      '--payment-intent',
      'pi_9',
      '--amount',
      '700',
      '--currency',
      'ghs',
    ]
    const r = await run([...argv, '--url', gw.url, '--secret', 'whsec_mine', '--event-id', 'evt_same'], {
      STRIPE_WEBHOOK_SECRET: 'whsec_from_env',
    })
    t.equal(r.code, 0, r.err)
    const req = gw.received[0]!
    t.throws(
      () => Stripe.webhooks.constructEvent(req.raw, req.headers['stripe-signature']!, 'whsec_from_env', 300),
      'the flag wins over the environment',
    )
    const event = Stripe.webhooks.constructEvent(req.raw, req.headers['stripe-signature']!, 'whsec_mine', 300)
    t.equal(event.id, 'evt_same')
    t.match(event.data.object, {
      id: 'pi_9',
      object: 'payment_intent',
      amount: 700,
      amount_received: 0,
      currency: 'ghs',
      status: 'requires_payment_method',
      last_payment_error: { code: 'card_declined' },
    })
  })

  t.test('a dispute names the PaymentIntent, the amount and the reason', async (t) => {
    const gw = await fakeGateway(t)
    const r = await run([
      'charge.dispute.created',
      '--payment-intent',
      'pi_7',
      '--amount',
      '1200',
      '--currency',
      'eur',
      '--reason',
      'product_not_received',
      '--url',
      gw.url,
    ])
    t.equal(r.code, 0, r.err)
    const req = gw.received[0]!
    const event = Stripe.webhooks.constructEvent(
      req.raw,
      req.headers['stripe-signature']!,
      LOCAL_STRIPE_WEBHOOK_SECRET,
      300,
    )
    t.equal(event.type, 'charge.dispute.created')
    t.match(event.data.object, {
      object: 'dispute',
      payment_intent: 'pi_7',
      amount: 1200,
      currency: 'eur',
      reason: 'product_not_received',
      status: 'needs_response',
    })
    t.match((event.data.object as { id: string }).id, /^dp_/)
  })

  t.test('exits 1 and prints the answer when the webhook refuses the event', async (t) => {
    const gw = await fakeGateway(t, 400)
    const r = await run([
      'payment_intent.succeeded',
      '--payment-intent',
      'pi_1',
      '--amount',
      '1',
      '--currency',
      'usd',
      '--url',
      gw.url,
    ])
    t.equal(r.code, 1)
    t.match(r.out, /→ 400 .*PAYMENT_ERR_SIGNATURE/)
  })

  t.test('exits 1 with a clear message when nothing answers at the URL', async (t) => {
    const gw = await fakeGateway(t)
    const closed = gw.url.replace(/:\d+$/, ':1')
    const r = await run([
      'payment_intent.succeeded',
      '--payment-intent',
      'pi_1',
      '--amount',
      '1',
      '--currency',
      'usd',
      '--url',
      closed,
    ])
    t.equal(r.code, 1)
    t.match(r.err, /cannot reach http:\/\/127\.0\.0\.1:1\/api\/webhooks\/stripe .*npm start/)
  })

  t.test('exits 2 with the usage on a bad command line, sending nothing', async (t) => {
    const gw = await fakeGateway(t)
    const cases: Array<[string[], RegExp]> = [
      [[], /exactly one event type/],
      [['charge.refunded', '--payment-intent', 'pi_1'], /unsupported event type charge\.refunded/],
      [['payment_intent.succeeded'], /--payment-intent <pi_…> is required/],
      [
        ['payment_intent.succeeded', '--payment-intent', 'pi_1', '--amount', '5'],
        /--amount and --currency together/,
      ],
      [
        ['payment_intent.succeeded', '--payment-intent', 'pi_1', '--amount', '5.5', '--currency', 'usd'],
        /minor units/,
      ],
      [
        ['payment_intent.succeeded', '--payment-intent', 'pi_1', '--amount', '0', '--currency', 'usd'],
        /positive integer/,
      ],
      [
        ['payment_intent.succeeded', '--payment-intent', 'pi_1', '--amount', '5', '--currency', 'dollars'],
        /3-letter/,
      ],
      [['payment_intent.succeeded', '--payment-intent', 'pi_1', '--bogus'], /bogus/],
    ]
    for (const [argv, message] of cases) {
      const r = await run([...argv, '--url', gw.url])
      t.equal(r.code, 2, argv.join(' '))
      t.match(r.err, message)
      t.match(r.err, /usage: npm run stripe:trigger/)
    }
    t.equal(gw.received.length, 0)
    t.throws(() => triggerArgs([]), UsageError)
  })

  t.test('without --amount, reads the escrow of the PaymentIntent from the payment database', async (t) => {
    const mongoUrl = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017'
    const database = `kelmah_test_trigger_${randomBytes(4).toString('hex')}`
    const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 3_000 })
    t.teardown(async () => {
      await client.db(database).dropDatabase()
      await client.close()
    })
    await client
      .db(database)
      .collection('escrows')
      .insertOne({ paymentIntentId: 'pi_escrowed', amount: { amountMinor: 123_456, currency: 'NGN' } })
    const gw = await fakeGateway(t)
    const base = ['--url', gw.url, '--database', database]

    const r = await run(['payment_intent.succeeded', '--payment-intent', 'pi_escrowed', ...base], {
      MONGO_URL: mongoUrl,
    })
    t.equal(r.code, 0, r.err)
    const req = gw.received[0]!
    const event = Stripe.webhooks.constructEvent(
      req.raw,
      req.headers['stripe-signature']!,
      LOCAL_STRIPE_WEBHOOK_SECRET,
      300,
    )
    t.match(event.data.object, {
      id: 'pi_escrowed',
      amount: 123_456,
      amount_received: 123_456,
      currency: 'ngn',
    })

    const missing = await run(['payment_intent.succeeded', '--payment-intent', 'pi_unknown', ...base], {
      MONGO_URL: mongoUrl,
    })
    t.equal(missing.code, 1)
    t.match(
      missing.err,
      /no escrow with paymentIntentId pi_unknown in kelmah_test_trigger_\w+\.escrows .*--amount and --currency/,
    )
    t.equal(gw.received.length, 1, 'nothing sent without an amount')
  })

  t.test('without --amount and no MongoDB answering, says so and how to go on', async (t) => {
    const r = await run(['payment_intent.succeeded', '--payment-intent', 'pi_1'], {
      MONGO_URL: 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300',
    })
    t.equal(r.code, 1)
    t.match(
      r.err,
      /cannot read kelmah_payment\.escrows at mongodb:\/\/127\.0\.0\.1:1.*set MONGO_URL or pass --amount and --currency/,
    )
  })
})
