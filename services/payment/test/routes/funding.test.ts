/**
 * Funding through the API against real FerretDB, RabbitMQ and stripe-mock: the hirer's request
 * with an Idempotency-Key, the signed webhook that funds it, and every refusal.
 */
import t from 'tap'
import {
  approve,
  buildTestApp,
  call,
  fund,
  fundedMilestone,
  objectId,
  paymentIntent,
  signedContract,
  stripeEvent,
  webhook,
} from '../fixtures/app.js'

const ta = await buildTestApp()
t.teardown(() => ta.close())

t.test(
  'a hirer funds a milestone; the signed webhook funds the escrow and EscrowFunded is published',
  async (t) => {
    const c = await signedContract(ta, { amounts: [50_000] })
    const m = c.milestones[0]!
    const res = await fund(ta, c.hirer, { contractId: c.contractId, milestoneId: m.milestoneId })
    t.equal(res.status, 201, JSON.stringify(res.body))
    t.match(res.body, {
      contractId: c.contractId,
      milestoneId: m.milestoneId,
      amount: m.amount,
      status: 'pending',
    })
    t.match(res.body.paymentIntentId, /^pi_/)
    t.ok(res.body.clientSecret)
    const funded = ta.probe.waitFor(
      (e) => e.type === 'EscrowFunded' && (e.data as { milestoneId?: string }).milestoneId === m.milestoneId,
    )
    const hook = await webhook(
      ta,
      stripeEvent('payment_intent.succeeded', paymentIntent(res.body.paymentIntentId, m.amount)),
    )
    t.equal(hook.status, 200, JSON.stringify(hook.body))
    t.equal(hook.body.status, 'applied')
    const event = await funded
    t.match(event.data, {
      contractId: c.contractId,
      hirerId: c.hirer.id,
      amount: m.amount,
      escrowId: res.body.id,
    })
    const list = await call(ta.app, 'GET', `/api/payments/escrow?contractId=${c.contractId}`, c.worker)
    t.equal(list.status, 200)
    t.match(list.body.items, [{ id: res.body.id, status: 'funded' }])
  },
)

t.test('the same key and body replays the first response; another body with the key is 422', async (t) => {
  const c = await signedContract(ta, { amounts: [10_000, 20_000] })
  const body = { contractId: c.contractId, milestoneId: c.milestones[0]!.milestoneId }
  const first = await fund(ta, c.hirer, body, 'key-1')
  const again = await fund(ta, c.hirer, body, 'key-1')
  t.equal(again.status, 201)
  t.same(again.body, first.body)
  const other = await fund(ta, c.hirer, { ...body, milestoneId: c.milestones[1]!.milestoneId }, 'key-1')
  t.equal(other.status, 422)
  t.equal(other.body.code, 'PAYMENT_ERR_IDEMPOTENCY_KEY_REUSED')
  const second = await fund(ta, c.hirer, body, 'key-2')
  t.equal(second.status, 409)
  t.equal(second.body.code, 'PAYMENT_ERR_ALREADY_FUNDED')
  const noKey = await fund(ta, c.hirer, body, null)
  t.equal(noKey.status, 400)
  t.match(noKey.body.errors, [{ field: 'Idempotency-Key' }])
})

t.test('only the hirer of an active contract funds it', async (t) => {
  const c = await signedContract(ta)
  const body = { contractId: c.contractId, milestoneId: c.milestones[0]!.milestoneId }
  t.equal((await fund(ta, c.worker, body)).status, 403)
  t.equal((await fund(ta, ta.hirer(), body)).status, 404)
  t.equal((await call(ta.app, 'POST', '/api/payments/escrow', null, body)).status, 401)
  const pending = await signedContract(ta, { status: 'created' })
  const res = await fund(ta, pending.hirer, {
    contractId: pending.contractId,
    milestoneId: pending.milestones[0]!.milestoneId,
  })
  t.equal(res.status, 409)
  t.equal(res.body.code, 'PAYMENT_ERR_CONTRACT_NOT_ACTIVE')
  t.equal((await fund(ta, c.hirer, { ...body, milestoneId: objectId() })).status, 404)
  t.equal(
    (await call(ta.app, 'GET', `/api/payments/escrow?contractId=${c.contractId}`, ta.worker())).status,
    404,
  )
})

t.test('a release on approval pays the worker less 10 % into the wallet', async (t) => {
  const c = await signedContract(ta, { amounts: [12_345] })
  await fundedMilestone(ta, c)
  const released = ta.probe.waitFor(
    (e) =>
      e.type === 'PaymentReleased' &&
      (e.data as { milestoneId?: string }).milestoneId === c.milestones[0]!.milestoneId,
  )
  await approve(ta, c)
  const event = (await released) as { data: { amount: unknown; platformFee: unknown } }
  t.same(event.data.amount, { amountMinor: 11_111, currency: 'USD' })
  t.same(event.data.platformFee, { amountMinor: 1_234, currency: 'USD' })
})

t.test('the ledger check route is for admins and reports every invariant holding', async (t) => {
  t.equal((await call(ta.app, 'GET', '/api/payments/ledger/check', ta.hirer())).status, 403)
  const res = await call(ta.app, 'GET', '/api/payments/ledger/check', ta.admin())
  t.equal(res.status, 200)
  t.equal(res.body.ok, true, JSON.stringify(res.body.violations))
  t.ok(res.body.transfers >= 2)
})

t.test(
  'Stripe down: 502 problem, nothing half-written, and the retry with the same key succeeds',
  async (t) => {
    const down = await buildTestApp({
      mongoUrl: ta.mongoUrl,
      busExchange: ta.exchange,
      serviceName: ta.serviceName,
      skipSubscriptions: true,
      env: { STRIPE_API_URL: 'http://127.0.0.1:9' },
    })
    // Last test of the file: closing it drops the shared database.
    t.teardown(() => down.close())
    const c = await signedContract(ta, { amounts: [30_000] })
    const body = { contractId: c.contractId, milestoneId: c.milestones[0]!.milestoneId }
    const asHirerOnDown = down.actor('hirer', { id: c.hirer.id })
    const failed = await fund(down, asHirerOnDown, body, 'retry-me')
    t.equal(failed.status, 502)
    t.equal(failed.body.code, 'PAYMENT_ERR_STRIPE_UNAVAILABLE')
    t.match(failed.headers['content-type'], /application\/problem\+json/)
    const escrows = await ta.app.mongo.collection('escrows').find({ milestoneId: body.milestoneId }).toArray()
    t.equal(escrows.length, 1, 'the escrow is reserved (pending, no PaymentIntent) for the retry')
    t.equal(escrows[0]?.paymentIntentId, null)
    const retried = await fund(ta, c.hirer, body, 'retry-me')
    t.equal(retried.status, 201, JSON.stringify(retried.body))
    t.equal(retried.body.id, escrows[0]?._id, 'the same escrow')
    t.match(retried.body.paymentIntentId, /^pi_/)
    const otherKey = await fund(ta, c.hirer, body, 'another-key')
    t.equal(otherKey.status, 409)
  },
)
