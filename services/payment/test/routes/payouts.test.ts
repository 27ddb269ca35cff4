/**
 * Payout accounts and payouts against real FerretDB, RabbitMQ and stripe-mock: the worker's
 * Connect account, a payout's Stripe Transfer and `PayoutCompleted`, idempotency keys, payouts
 * above the balance, twenty concurrent payouts from two app instances (two connections) on one
 * database, and Stripe down in the middle of a payout.
 */
import { eventually } from '@kelmah/testing'
import { randomUUID } from 'node:crypto'
import t, { type Test } from 'tap'
import { checkLedger } from '../../src/domain/invariants.js'
import type { TransferKind } from '../../src/domain/ledger.js'
import { paymentModels } from '../../src/models/index.js'
import { StripeRefused } from '../../src/errors.js'
import { StripeGateway } from '../../src/services/stripe.js'
import {
  approve,
  buildTestApp,
  call,
  fundedMilestone,
  signedContract,
  type Actor,
  type Json,
  type Res,
  type TestApp,
} from '../fixtures/app.js'

const ta = await buildTestApp()
// A second instance on the same database: its own connection (FerretDB does not isolate
// concurrent updates across connections, so the money rule must hold across them) and its own
// queues, the SAME exchange (its outbox relay may publish what the first app wrote: the first
// app's probe must see it); tokens of the first app's key.
const other = await buildTestApp({
  mongoUrl: ta.mongoUrl,
  busExchange: ta.exchange,
  jwks: ta.kit.jwks,
  skipSubscriptions: true,
})
// An instance whose Stripe is down (nothing listens on port 9).
const stripeDown = await buildTestApp({
  mongoUrl: ta.mongoUrl,
  busExchange: ta.exchange,
  jwks: ta.kit.jwks,
  skipSubscriptions: true,
  stripe: new StripeGateway({
    secretKey: ta.config.STRIPE_SECRET_KEY,
    apiUrl: 'http://127.0.0.1:9',
    timeoutMs: 2_000,
    webhookSecret: ta.config.STRIPE_WEBHOOK_SECRET,
    toleranceS: ta.config.STRIPE_WEBHOOK_TOLERANCE_S,
  }),
})
/** A Stripe that refuses every Transfer for good (as for a destination account that cannot receive). */
class RefusingStripe extends StripeGateway {
  override transfer(): Promise<string> {
    return Promise.reject(new StripeRefused('transfer to the payout account: No such destination'))
  }
}
const stripeRefuses = await buildTestApp({
  mongoUrl: ta.mongoUrl,
  busExchange: ta.exchange,
  jwks: ta.kit.jwks,
  skipSubscriptions: true,
  stripe: new RefusingStripe({
    secretKey: ta.config.STRIPE_SECRET_KEY,
    apiUrl: ta.config.STRIPE_API_URL,
    timeoutMs: 2_000,
    webhookSecret: ta.config.STRIPE_WEBHOOK_SECRET,
    toleranceS: ta.config.STRIPE_WEBHOOK_TOLERANCE_S,
  }),
})
t.teardown(async () => {
  // Each close drops the shared database; the first app goes last.
  await stripeRefuses.close()
  await stripeDown.close()
  await other.close()
  await ta.close()
})
const models = paymentModels(ta.app.mongo)

const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' })

/** `POST /api/wallet/payouts` on `app` as `actor` with `key` (none when null). */
function payout(
  app: TestApp,
  actor: Actor | null,
  amount: Json,
  key: string | null = randomUUID(),
): Promise<Res> {
  return call(
    app.app,
    'POST',
    '/api/wallet/payouts',
    actor,
    { amount },
    key === null ? {} : { 'idempotency-key': key },
  )
}

/** The caller's available balance in USD (0 when there is none). */
async function available(actor: Actor): Promise<number> {
  const res = await call(ta.app, 'GET', '/api/wallet', actor)
  const b = (res.body.balances as Json[]).find((x) => x.currency === 'USD')
  return (b?.available.amountMinor as number | undefined) ?? 0
}

/** A worker whose wallet holds the release of `grossMinor` (9/10 of it) and who has a payout account. */
async function paidWorker(grossMinor: number, opts: { account?: boolean } = {}): Promise<Actor> {
  const worker = ta.worker()
  const c = await signedContract(ta, { worker, amounts: [grossMinor] })
  await fundedMilestone(ta, c)
  await approve(ta, c)
  const net = grossMinor - Math.floor(grossMinor / 10)
  await eventually(async () => ((await available(worker)) === net ? true : undefined))
  if (opts.account !== false) {
    const res = await call(ta.app, 'POST', '/api/wallet/payout-account', worker)
    if (res.status !== 201) throw new Error(`payout account: ${res.status} ${JSON.stringify(res.body)}`)
  }
  return worker
}

/** Every ledger invariant over the shared database (payout reserves are `pending`, not violations). */
async function ledgerOk(t: Test): Promise<void> {
  const [transfers, escrows] = await Promise.all([
    models.Transfer.find({}).lean(),
    models.Escrow.find({}, { _id: 1, status: 1, amount: 1 }).lean(),
  ])
  const report = checkLedger(
    transfers.map(({ _id, ...rest }) => ({ ...rest, id: _id })),
    escrows,
  )
  t.same(report.violations, [], 'every ledger invariant holds')
}

/** The count of ledger transfers of `kind` for a payout. */
function transfersOf(payoutId: string, kind?: TransferKind): Promise<number> {
  return models.Transfer.countDocuments({ payoutId, ...(kind ? { kind } : {}) })
}

t.test('POST|GET /api/wallet/payout-account', async (t) => {
  t.test('a worker creates one account (201), then gets fresh onboarding links for it (200)', async (t) => {
    const worker = ta.worker()
    t.equal((await call(ta.app, 'GET', '/api/wallet/payout-account', worker)).status, 404)
    const first = await call(ta.app, 'POST', '/api/wallet/payout-account', worker)
    t.equal(first.status, 201, JSON.stringify(first.body))
    t.match(first.body, { accountId: /^acct_/, onboardingUrl: /^https?:\/\// })
    t.ok(Date.parse(first.body.expiresAt))
    const again = await call(other.app, 'POST', '/api/wallet/payout-account', worker)
    t.equal(again.status, 200)
    t.equal(again.body.accountId, first.body.accountId)
    const got = await call(ta.app, 'GET', '/api/wallet/payout-account', worker)
    t.same(got.body, { accountId: first.body.accountId })
    t.equal(await models.PayoutAccount.countDocuments({ _id: worker.id }), 1)
  })

  t.test('concurrent first calls store one account', async (t) => {
    const worker = ta.worker()
    const res = await Promise.all(
      [ta, other, ta, other].map((app) => call(app.app, 'POST', '/api/wallet/payout-account', worker)),
    )
    t.same(res.map((r) => r.status).sort(), [200, 200, 200, 201])
    t.equal(new Set(res.map((r) => r.body.accountId)).size, 1)
    t.equal(await models.PayoutAccount.countDocuments({ _id: worker.id }), 1)
  })

  t.test('Stripe down → 502 and no account stored; the retry creates it', async (t) => {
    const worker = ta.worker()
    const down = await call(stripeDown.app, 'POST', '/api/wallet/payout-account', worker)
    t.equal(down.status, 502)
    t.equal(down.body.code, 'PAYMENT_ERR_STRIPE_UNAVAILABLE')
    t.equal(await models.PayoutAccount.countDocuments({ _id: worker.id }), 0)
    t.equal((await call(ta.app, 'POST', '/api/wallet/payout-account', worker)).status, 201)
  })

  t.test('hirers and admins are refused (403); no token is 401', async (t) => {
    for (const actor of [ta.hirer(), ta.admin()]) {
      for (const method of ['POST', 'GET'] as const) {
        const res = await call(ta.app, method, '/api/wallet/payout-account', actor)
        t.equal(res.status, 403, `${actor.role} ${method}`)
        t.equal(res.body.code, 'PAYMENT_ERR_WORKERS_ONLY')
      }
    }
    t.equal((await call(ta.app, 'POST', '/api/wallet/payout-account', null)).status, 401)
    t.equal((await call(ta.app, 'GET', '/api/wallet/payout-account', null)).status, 401)
  })
})

t.test('POST /api/wallet/payouts', async (t) => {
  t.test('a payout moves money to Stripe: 201, PayoutCompleted, the wallet debited once', async (t) => {
    const worker = await paidWorker(10_000)
    const res = await payout(ta, worker, usd(5_000), 'payout-1')
    t.equal(res.status, 201, JSON.stringify(res.body))
    t.match(res.body, {
      id: /^po_[0-9a-f]{24}$/,
      amount: usd(5_000),
      status: 'completed',
      stripeTransferId: /^tr_/,
    })
    t.ok(Date.parse(res.body.createdAt))
    const event = await ta.probe.waitFor(
      (e) => e.type === 'PayoutCompleted' && (e.data as { payoutId?: string }).payoutId === res.body.id,
    )
    const account = await call(ta.app, 'GET', '/api/wallet/payout-account', worker)
    t.match(event.data, {
      userId: worker.id,
      amount: usd(5_000),
      stripeTransferId: res.body.stripeTransferId,
      stripeAccountId: account.body.accountId,
    })
    t.equal(await available(worker), 4_000)
    const history = await call(ta.app, 'GET', '/api/wallet/transactions', worker)
    t.match(history.body.items, [
      { kind: 'payout', direction: 'debit', amount: usd(5_000), payoutId: res.body.id, contractId: null },
      { kind: 'release', direction: 'credit', amount: usd(9_000) },
    ])
    t.equal(history.body.items.length, 2)
    const list = await call(ta.app, 'GET', '/api/wallet/payouts', worker)
    t.match(list.body, {
      items: [{ id: res.body.id, status: 'completed', stripeTransferId: res.body.stripeTransferId }],
      nextCursor: null,
    })

    t.test('the same key and body replays the response: no second transfer', async (t) => {
      const again = await payout(other, worker, usd(5_000), 'payout-1')
      t.equal(again.status, 201)
      t.same(again.body, res.body)
      t.equal(await transfersOf(res.body.id, 'payout'), 1)
      t.equal(await transfersOf(res.body.id, 'payout_paid'), 1)
      t.equal(await models.Payout.countDocuments({ userId: worker.id }), 1)
      t.equal(await available(worker), 4_000)
    })

    t.test('the same key with another body is 422; no key is 400', async (t) => {
      const reused = await payout(ta, worker, usd(1_000), 'payout-1')
      t.equal(reused.status, 422)
      t.equal(reused.body.code, 'PAYMENT_ERR_IDEMPOTENCY_KEY_REUSED')
      const noKey = await payout(ta, worker, usd(1_000), null)
      t.equal(noKey.status, 400)
      t.match(noKey.body.errors, [{ field: 'Idempotency-Key' }])
      t.equal(await available(worker), 4_000)
    })
  })

  t.test(
    'above the balance → 409 naming what is available; nothing changes; the retry replays the 409',
    async (t) => {
      const worker = await paidWorker(10_000)
      const before = await call(ta.app, 'GET', '/api/wallet/transactions', worker)
      const res = await payout(ta, worker, usd(9_001), 'too-much')
      t.equal(res.status, 409, JSON.stringify(res.body))
      t.match(res.headers['content-type'], /application\/problem\+json/)
      t.match(res.body, { code: 'PAYMENT_ERR_INSUFFICIENT_FUNDS', available: usd(9_000), detail: /9000/ })
      const again = await payout(other, worker, usd(9_001), 'too-much')
      t.equal(again.status, 409)
      t.same(again.body.available, usd(9_000))
      t.equal(await available(worker), 9_000)
      t.same((await call(ta.app, 'GET', '/api/wallet/transactions', worker)).body, before.body)
      t.equal(await models.Transfer.countDocuments({ parties: worker.id, kind: { $ne: 'release' } }), 0)
      // A currency the wallet does not hold: 0 available.
      const eur = await payout(ta, worker, { amountMinor: 100, currency: 'EUR' })
      t.equal(eur.status, 409)
      t.same(eur.body.available, { amountMinor: 0, currency: 'EUR' })
      // The whole balance is fine.
      t.equal((await payout(ta, worker, usd(9_000))).status, 201)
      t.equal(await available(worker), 0)
    },
  )

  t.test(
    'refusals before any record: no account 409, bad amounts 400, wrong role 403, no token 401',
    async (t) => {
      const noAccount = await paidWorker(1_000, { account: false })
      const missing = await payout(ta, noAccount, usd(100), 'k')
      t.equal(missing.status, 409)
      t.equal(missing.body.code, 'PAYMENT_ERR_PAYOUT_ACCOUNT_MISSING')
      // The key was not spent: once the account exists, the same key pays out.
      t.equal((await call(ta.app, 'POST', '/api/wallet/payout-account', noAccount)).status, 201)
      t.equal((await payout(ta, noAccount, usd(100), 'k')).status, 201)
      for (const amount of [
        usd(0),
        usd(1.5),
        usd(-1),
        usd(100_000_000),
        { amountMinor: 1, currency: 'XXX' },
        {},
      ]) {
        const res = await payout(ta, noAccount, amount)
        t.equal(res.status, 400, JSON.stringify(amount))
        t.match(res.body.errors, [{ field: /^amount/ }])
      }
      for (const actor of [ta.hirer(), ta.admin()]) {
        const res = await payout(ta, actor, usd(100))
        t.equal(res.status, 403)
        t.equal(res.body.code, 'PAYMENT_ERR_WORKERS_ONLY')
      }
      t.equal((await payout(ta, null, usd(100))).status, 401)
      t.equal(await available(noAccount), 800)
    },
  )

  t.test(
    'another worker cannot spend this wallet: their payout is against their own (empty) one',
    async (t) => {
      const owner = await paidWorker(10_000)
      const thief = ta.worker()
      t.equal((await call(ta.app, 'POST', '/api/wallet/payout-account', thief)).status, 201)
      const res = await payout(ta, thief, usd(100))
      t.equal(res.status, 409)
      t.same(res.body.available, usd(0))
      // Keys are per user: the owner's key used by another user is a new request of that user.
      t.equal((await payout(ta, owner, usd(100), 'shared-key')).status, 201)
      t.equal((await payout(ta, thief, usd(100), 'shared-key')).status, 409)
      t.equal(await available(owner), 8_900)
    },
  )

  t.test('twenty concurrent payouts over two connections never overdraw the wallet', async (t) => {
    const worker = await paidWorker(10_000) // 9 000 available
    const amounts = Array.from({ length: 20 }, (_, i) => 600 + (i % 4) * 300) // 600…1 500
    const results = await Promise.all(
      amounts.map((amountMinor, i) =>
        payout(i % 2 === 0 ? ta : other, worker, usd(amountMinor), `race-${i}`),
      ),
    )
    const statuses = results.map((r) => r.status)
    t.ok(
      statuses.every((s) => s === 201 || s === 409),
      `only 201 and 409: ${JSON.stringify(results.filter((r) => r.status !== 201 && r.status !== 409).map((r) => r.body))}`,
    )
    const won = results.filter((r) => r.status === 201)
    const paid = won.reduce((sum, r) => sum + (r.body.amount.amountMinor as number), 0)
    t.ok(won.length > 0 && won.length < 20, `${won.length} of 20 paid out`)
    t.ok(paid <= 9_000, `paid ${paid} of 9 000`)
    const left = await available(worker)
    t.ok(left >= 0)
    t.equal(left, 9_000 - paid)
    // Every refusal is the balance rule, and saw a balance too small for what it asked.
    results.forEach((r, i) => {
      if (r.status !== 409) return
      t.equal(r.body.code, 'PAYMENT_ERR_INSUFFICIENT_FUNDS')
      t.ok(r.body.available.amountMinor < amounts[i]!, `${r.body.available.amountMinor} < ${amounts[i]}`)
    })
    // One reserve and one paid-out transfer per successful payout, none for the refused.
    const payouts = await models.Payout.find({ userId: worker.id }).lean()
    t.equal(payouts.length, 20)
    t.equal(payouts.filter((p) => p.status === 'completed').length, won.length)
    t.equal(payouts.filter((p) => p.status === 'failed').length, 20 - won.length)
    t.equal(await models.Transfer.countDocuments({ parties: worker.id, kind: 'payout' }), won.length)
    t.equal(
      await models.Transfer.countDocuments({
        kind: 'payout_paid',
        payoutId: { $in: payouts.map((p) => p._id) },
      }),
      won.length,
    )
    await ledgerOk(t)
  })

  t.test(
    'Stripe down → 502, the amount stays reserved; the retry with the key completes it once',
    async (t) => {
      const worker = await paidWorker(10_000)
      const down = await payout(stripeDown, worker, usd(3_000), 'through-outage')
      t.equal(down.status, 502, JSON.stringify(down.body))
      t.equal(down.body.code, 'PAYMENT_ERR_STRIPE_UNAVAILABLE')
      // Nothing half-written: the payout is pending with its reserve, nothing went to Stripe.
      const [pending] = await models.Payout.find({ userId: worker.id }).lean()
      t.match(pending, { status: 'pending', stripeTransferId: null, amount: usd(3_000) })
      t.equal(await transfersOf(pending!._id, 'payout'), 1)
      t.equal(await transfersOf(pending!._id, 'payout_paid'), 0)
      t.equal(await available(worker), 6_000, 'reserved, not lost')
      t.notOk(ta.probe.events.some((e) => (e.data as { payoutId?: string }).payoutId === pending!._id))
      await ledgerOk(t)
      // A second try while Stripe is still down: still 502, still one reserve.
      t.equal((await payout(stripeDown, worker, usd(3_000), 'through-outage')).status, 502)
      t.equal(await transfersOf(pending!._id, 'payout'), 1)
      // Stripe is back (the working instance): the same key completes the same payout.
      const retry = await payout(ta, worker, usd(3_000), 'through-outage')
      t.equal(retry.status, 201, JSON.stringify(retry.body))
      t.equal(retry.body.id, pending!._id)
      t.equal(await transfersOf(pending!._id, 'payout'), 1)
      t.equal(await transfersOf(pending!._id, 'payout_paid'), 1)
      t.equal(await available(worker), 6_000)
      await ta.probe.waitFor(
        (e) => e.type === 'PayoutCompleted' && (e.data as { payoutId?: string }).payoutId === pending!._id,
      )
      t.same((await payout(stripeDown, worker, usd(3_000), 'through-outage')).body, retry.body)
      await ledgerOk(t)
    },
  )
})

t.test('POST /api/wallet/payouts when Stripe refuses the Transfer', async (t) => {
  const worker = await paidWorker(10_000)
  const res = await payout(stripeRefuses, worker, usd(4_000), 'refused')
  t.equal(res.status, 422, JSON.stringify(res.body))
  t.equal(res.body.code, 'PAYMENT_ERR_STRIPE_REFUSED')
  t.match(res.body.detail, /No such destination/)
  // The reserve went back to the wallet: reserve and void both in the ledger, nothing paid out.
  t.equal(await available(worker), 9_000)
  const [failed] = await models.Payout.find({ userId: worker.id }).lean()
  t.match(failed, { status: 'failed', failureReason: /No such destination/, stripeTransferId: null })
  t.equal(await transfersOf(failed!._id, 'payout'), 1)
  t.equal(await transfersOf(failed!._id, 'payout_void'), 1)
  t.equal(await transfersOf(failed!._id, 'payout_paid'), 0)
  const history = await call(ta.app, 'GET', '/api/wallet/transactions?limit=2', worker)
  // Both in the same millisecond are ordered by id: compare as a set.
  t.match(
    [...(history.body.items as Json[])].sort((a, b) => (a.kind < b.kind ? -1 : 1)),
    [
      { kind: 'payout', direction: 'debit', amount: usd(4_000), payoutId: failed!._id },
      { kind: 'payout_void', direction: 'credit', amount: usd(4_000), payoutId: failed!._id },
    ],
  )
  // The refusal is the request's final answer, even where Stripe works.
  const again = await payout(ta, worker, usd(4_000), 'refused')
  t.equal(again.status, 422)
  t.equal(again.body.code, 'PAYMENT_ERR_STRIPE_REFUSED')
  t.equal(await transfersOf(failed!._id, 'payout_paid'), 0)
  t.equal(await available(worker), 9_000)
  await ledgerOk(t)
})

t.test('GET /api/wallet/payouts', async (t) => {
  const worker = await paidWorker(10_000)
  const ids: string[] = []
  for (const amountMinor of [100, 200, 300]) ids.push((await payout(ta, worker, usd(amountMinor))).body.id)
  const first = await call(ta.app, 'GET', '/api/wallet/payouts?limit=2', worker)
  t.equal(first.status, 200)
  t.same(
    first.body.items.map((p: Json) => p.id),
    [ids[2], ids[1]],
  )
  const next = await call(
    ta.app,
    'GET',
    `/api/wallet/payouts?limit=2&cursor=${first.body.nextCursor}`,
    worker,
  )
  t.same(
    next.body.items.map((p: Json) => p.id),
    [ids[0]],
  )
  t.equal(next.body.nextCursor, null)
  t.same((await call(ta.app, 'GET', '/api/wallet/payouts', ta.worker())).body, {
    items: [],
    nextCursor: null,
  })
  const bad = await call(ta.app, 'GET', '/api/wallet/payouts?cursor=abc', worker)
  t.equal(bad.status, 400)
  t.equal((await call(ta.app, 'GET', '/api/wallet/payouts', ta.hirer())).status, 403)
  t.equal((await call(ta.app, 'GET', '/api/wallet/payouts', null)).status, 401)
})
