/**
 * The Stripe webhook endpoint against real FerretDB and RabbitMQ: signatures (good, bad, stale,
 * future, missing), replays, out-of-order delivery, mismatched amounts, failures and chargebacks.
 */
import t from 'tap'
import {
  buildTestApp,
  call,
  fund,
  paymentIntent,
  signedContract,
  stripeEvent,
  webhook,
  type TestApp,
} from '../fixtures/app.js'

const ta = await buildTestApp()
t.teardown(() => ta.close())

/** A pending escrow of a fresh contract. */
async function pendingEscrow(app: TestApp, amounts = [25_000]) {
  const c = await signedContract(app, { amounts })
  const m = c.milestones[0]!
  const res = await fund(app, c.hirer, { contractId: c.contractId, milestoneId: m.milestoneId })
  if (res.status !== 201) throw new Error(JSON.stringify(res.body))
  return { c, m, escrowId: res.body.id as string, pi: res.body.paymentIntentId as string }
}

async function escrowStatus(app: TestApp, escrowId: string, actor: { token: string }) {
  const res = await call(app.app, 'GET', `/api/payments/escrow/${escrowId}`, actor)
  return res.body.escrow as { status: string; frozen: boolean }
}

async function fundTransfers(app: TestApp, escrowId: string) {
  return app.app.mongo.collection('ledger_transfers').countDocuments({ _id: `fund:${escrowId}` as never })
}

t.test('bad, stale, future and missing signatures are 400 problems and change nothing', async (t) => {
  const { m, escrowId, pi, c } = await pendingEscrow(ta)
  const event = stripeEvent('payment_intent.succeeded', paymentIntent(pi, m.amount))
  const now = Math.floor(Date.now() / 1000)
  for (const [name, opts] of [
    ['wrong secret', { secret: 'whsec_not_ours' }],
    ['stale (301 s old)', { timestampS: now - 301 }],
    ['future (301 s ahead)', { timestampS: now + 301 }],
    ['missing header', { signature: null }],
    ['garbage header', { signature: 't=abc,v1=zz' }],
  ] as const) {
    const res = await webhook(ta, event, opts)
    t.equal(res.status, 400, name)
    t.equal(res.body.code, 'PAYMENT_ERR_WEBHOOK_SIGNATURE', name)
    t.match(res.headers['content-type'], /application\/problem\+json/, name)
  }
  t.equal((await escrowStatus(ta, escrowId, c.hirer)).status, 'pending')
  t.equal(await fundTransfers(ta, escrowId), 0)
  // Within the tolerance either way is fine.
  const ok = await webhook(ta, event, { timestampS: now + 200 })
  t.equal(ok.status, 200)
})

t.test('a tampered body does not verify', async (t) => {
  const { m, pi } = await pendingEscrow(ta)
  const event = stripeEvent('payment_intent.succeeded', paymentIntent(pi, m.amount))
  const payload = JSON.stringify(event)
  const { sign } = await import('../fixtures/app.js')
  const header = sign(payload, ta.config.STRIPE_WEBHOOK_SECRET)
  const res = await ta.app.inject({
    method: 'POST',
    url: '/api/webhooks/stripe',
    payload: payload.replace(String(m.amount.amountMinor), '1'),
    headers: { 'content-type': 'application/json', 'stripe-signature': header },
  })
  t.equal(res.statusCode, 400)
})

t.test(
  'a replayed event is acknowledged with no second effect; another event for the same payment posts nothing more',
  async (t) => {
    const { m, pi, escrowId } = await pendingEscrow(ta)
    const event = stripeEvent('payment_intent.succeeded', paymentIntent(pi, m.amount))
    const first = await webhook(ta, event)
    t.match(first.body, { status: 'applied', duplicate: false })
    const replay = await webhook(ta, event)
    t.equal(replay.status, 200)
    t.match(replay.body, { duplicate: true, status: 'applied' })
    const another = await webhook(ta, stripeEvent('payment_intent.succeeded', paymentIntent(pi, m.amount)))
    t.equal(another.status, 200)
    t.equal(await fundTransfers(ta, escrowId), 1)
    await new Promise((r) => setTimeout(r, 300))
    const funded = ta.probe.events.filter(
      (e) => e.type === 'EscrowFunded' && (e.data as { escrowId?: string }).escrowId === escrowId,
    )
    t.equal(funded.length, 1, 'EscrowFunded published once')
  },
)

t.test(
  'succeeded before the escrow records its PaymentIntent is parked, then applied when it does',
  async (t) => {
    const c = await signedContract(ta, { amounts: [7_000] })
    const m = c.milestones[0]!
    const key = 'parked-key'
    const res = await fund(ta, c.hirer, { contractId: c.contractId, milestoneId: m.milestoneId }, key)
    t.equal(res.status, 201)
    // The crash between Stripe's answer and our write, replayed: the escrow does not hold the
    // PaymentIntent id Stripe will report (stripe-mock answers a fresh id to every call, so the
    // test names the id itself), and Stripe's event arrives first.
    const stripePi = `pi_parked${m.milestoneId}`
    await ta.app.mongo
      .collection('escrows')
      .updateOne({ _id: res.body.id }, { $set: { paymentIntentId: null } })
    await ta.app.mongo
      .collection('idempotency_keys')
      .updateOne(
        { _id: `fund-escrow:${c.hirer.id}:${key}` as never },
        { $set: { response: null, lockedUntil: null } },
      )
    const early = await webhook(
      ta,
      stripeEvent('payment_intent.succeeded', paymentIntent(stripePi, m.amount)),
    )
    t.equal(early.status, 200)
    t.equal(early.body.status, 'parked')
    t.equal((await escrowStatus(ta, res.body.id, c.hirer)).status, 'pending')
    // The record of the id lands (the write the crash cut), then the client's retry with the same key
    // applies what waited.
    await ta.app.mongo
      .collection('escrows')
      .updateOne({ _id: res.body.id }, { $set: { paymentIntentId: stripePi } })
    const retry = await fund(ta, c.hirer, { contractId: c.contractId, milestoneId: m.milestoneId }, key)
    t.equal(retry.status, 201)
    t.equal((await escrowStatus(ta, res.body.id, c.hirer)).status, 'funded')
    const parked = await ta.app.mongo.collection('stripe_events').findOne({ _id: early.body.eventId })
    t.equal(parked?.status, 'applied')
  },
)

t.test(
  'an amount or currency that differs from the escrow is refused and logged, never applied',
  async (t) => {
    const { m, pi, escrowId, c } = await pendingEscrow(ta)
    const less = await webhook(
      ta,
      stripeEvent('payment_intent.succeeded', paymentIntent(pi, { ...m.amount, amountMinor: 1 })),
    )
    t.equal(less.status, 200)
    t.equal(less.body.status, 'rejected')
    const otherCurrency = await webhook(
      ta,
      stripeEvent('payment_intent.succeeded', paymentIntent(pi, { ...m.amount, currency: 'EUR' })),
    )
    t.equal(otherCurrency.body.status, 'rejected')
    t.equal((await escrowStatus(ta, escrowId, c.hirer)).status, 'pending')
    t.equal(await fundTransfers(ta, escrowId), 0)
  },
)

t.test(
  'payment_failed fails a pending escrow and the hirer may fund again; unknown types are acknowledged',
  async (t) => {
    const { m, pi, escrowId, c } = await pendingEscrow(ta)
    const failed = await webhook(
      ta,
      stripeEvent('payment_intent.payment_failed', {
        ...paymentIntent(pi, m.amount, { status: 'requires_payment_method' }),
        last_payment_error: { message: 'Your card was declined.' },
      }),
    )
    t.equal(failed.body.status, 'applied')
    t.equal((await escrowStatus(ta, escrowId, c.hirer)).status, 'failed')
    const retry = await fund(ta, c.hirer, { contractId: c.contractId, milestoneId: m.milestoneId })
    t.equal(retry.status, 201)
    t.not(retry.body.id, escrowId, 'a new attempt')
    const unknown = await webhook(ta, stripeEvent('customer.created', { id: 'cus_1', object: 'customer' }))
    t.equal(unknown.status, 200)
    t.equal(unknown.body.status, 'ignored')
  },
)

t.test('a card chargeback freezes the escrow: no release while frozen', async (t) => {
  const { m, pi, escrowId, c } = await pendingEscrow(ta)
  await webhook(ta, stripeEvent('payment_intent.succeeded', paymentIntent(pi, m.amount)))
  const cb = await webhook(
    ta,
    stripeEvent('charge.dispute.created', {
      id: 'dp_1',
      object: 'dispute',
      payment_intent: pi,
      amount: m.amount.amountMinor,
      currency: 'usd',
      reason: 'fraudulent',
    }),
  )
  t.equal(cb.body.status, 'applied')
  t.equal((await escrowStatus(ta, escrowId, c.hirer)).frozen, true)
  const { approve } = await import('../fixtures/app.js')
  await approve(ta, c)
  t.equal(
    await ta.app.mongo.collection('ledger_transfers').countDocuments({ _id: `settle:${escrowId}` as never }),
    0,
    'not released',
  )
})
