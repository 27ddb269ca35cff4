/**
 * Disputes through the API against real FerretDB, RabbitMQ and stripe-mock (behind a TCP proxy,
 * so a test can take Stripe away): raising one (by each party, and every refusal, two raises at
 * once from two app instances), the release on approval held back by a dispute, each outcome's
 * money on the ledger and in the events, repeats, and the admins' queue.
 */
import { createEvent, type AnyEnvelope } from '@kelmah/contracts'
import { tcpProxy } from '@kelmah/testing'
import t from 'tap'
import {
  approve,
  buildTestApp,
  call,
  fundedMilestone,
  objectId,
  signedContract,
  stripeEvent,
  webhook,
  type Actor,
  type SignedContract,
  type TestApp,
} from '../fixtures/app.js'

const stripe = await tcpProxy({ host: '127.0.0.1', port: 12111 })
const ta = await buildTestApp({ env: { STRIPE_API_URL: `http://127.0.0.1:${stripe.port}` } })
t.teardown(async () => {
  await ta.close()
  await stripe.close()
})

type Data = Record<string, unknown> & { amount?: unknown; platformFee?: unknown }
const dataOf = (e: AnyEnvelope): Data => e.data as Data

/** `POST /api/payments/disputes` for milestone `index` of `c` as `actor`. */
function raise(
  app: TestApp,
  actor: Actor,
  c: SignedContract,
  index = 0,
  reason = 'The work was not delivered',
) {
  return call(app.app, 'POST', '/api/payments/disputes', actor, {
    contractId: c.contractId,
    milestoneId: c.milestones[index]!.milestoneId,
    reason,
  })
}

/** `POST /api/payments/disputes/:id/resolve` as `actor`. */
function resolve(actor: Actor, id: string, body: Record<string, unknown>) {
  return call(ta.app, 'POST', `/api/payments/disputes/${id}/resolve`, actor, body)
}

/** A funded milestone of a fresh contract with an open dispute raised by its hirer. */
async function disputed(amountMinor: number) {
  const c = await signedContract(ta, { amounts: [amountMinor] })
  const { escrowId, paymentIntentId } = await fundedMilestone(ta, c)
  const res = await raise(ta, c.hirer, c)
  if (res.status !== 201) throw new Error(`raise failed: ${res.status} ${JSON.stringify(res.body)}`)
  return { c, escrowId, paymentIntentId, disputeId: res.body.dispute.id as string }
}

/** The balance of a ledger account (credits − debits, minor units), from `ledger_transfers`. */
async function balance(account: string): Promise<number> {
  const docs = await ta.app.mongo
    .collection<{ postings: { account: string; amountMinor: number }[] }>('ledger_transfers')
    .find({ accounts: account })
    .toArray()
  let sum = 0
  for (const d of docs) for (const p of d.postings) if (p.account === account) sum += p.amountMinor
  return sum
}

/** The events of `type` seen so far about `disputeId` (in `data.disputeId`). */
const seen = (type: string, disputeId: string) =>
  ta.probe.events.filter((e) => e.type === type && dataOf(e).disputeId === disputeId)

/** Wait for the event of `type` about `disputeId`. */
const waitFor = (type: string, disputeId: string) =>
  ta.probe.waitFor((e) => e.type === type && dataOf(e).disputeId === disputeId)

/** Long enough for an outbox entry to be relayed (the test app sweeps every 250 ms; writes kick it at once). */
const settleTime = () => new Promise((r) => setTimeout(r, 800))

t.test('POST /api/payments/disputes', async (t) => {
  t.test(
    'the hirer disputes a funded milestone; DisputeRaised is published and the escrow names it',
    async (t) => {
      const c = await signedContract(ta, { amounts: [30_000] })
      const { escrowId } = await fundedMilestone(ta, c)
      const res = await raise(ta, c.hirer, c, 0, 'Half of the pages are missing')
      t.equal(res.status, 201, JSON.stringify(res.body))
      const d = res.body.dispute
      t.match(d, {
        contractId: c.contractId,
        milestoneId: c.milestones[0]!.milestoneId,
        escrowId,
        hirerId: c.hirer.id,
        workerId: c.worker.id,
        raisedBy: c.hirer.id,
        reason: 'Half of the pages are missing',
        status: 'open',
        outcome: null,
        workerAmount: null,
        refundAmount: null,
        resolvedBy: null,
        resolvedAt: null,
      })
      t.match(d.id, /^[0-9a-f]{24}$/)
      t.notOk('note' in d, 'the note stays inside')
      const event = await waitFor('DisputeRaised', d.id)
      t.same(dataOf(event), {
        disputeId: d.id,
        contractId: c.contractId,
        milestoneId: c.milestones[0]!.milestoneId,
        raisedBy: c.hirer.id,
        reason: 'Half of the pages are missing',
      })
      const escrow = await call(ta.app, 'GET', `/api/payments/escrow/${escrowId}`, c.hirer)
      t.match(escrow.body.escrow, { disputeId: d.id, status: 'funded' })

      for (const reader of [c.hirer, c.worker, ta.admin()]) {
        const got = await call(ta.app, 'GET', `/api/payments/disputes/${d.id}`, reader)
        t.equal(got.status, 200, reader.role)
        t.same(got.body.dispute, d)
      }
      const stranger = await call(ta.app, 'GET', `/api/payments/disputes/${d.id}`, ta.worker())
      t.equal(stranger.status, 404)
      t.equal(stranger.body.code, 'PAYMENT_ERR_DISPUTE_NOT_FOUND')
      t.equal((await call(ta.app, 'GET', `/api/payments/disputes/${objectId()}`, ta.admin())).status, 404)
      t.equal((await call(ta.app, 'GET', '/api/payments/disputes/nope', ta.admin())).status, 400)
      t.equal((await call(ta.app, 'GET', `/api/payments/disputes/${d.id}`, null)).status, 401)
    },
  )

  t.test('the worker disputes a submitted milestone', async (t) => {
    const c = await signedContract(ta, { amounts: [30_000] })
    await fundedMilestone(ta, c)
    await ta.deliver(
      createEvent(
        'MilestoneSubmitted',
        {
          contractId: c.contractId,
          milestoneId: c.milestones[0]!.milestoneId,
          jobId: c.jobId,
          hirerId: c.hirer.id,
          workerId: c.worker.id,
          title: c.milestones[0]!.title,
        },
        { producer: 'job' },
      ),
      'contracts',
    )
    const res = await raise(ta, c.worker, c, 0, 'The hirer will not approve finished work')
    t.equal(res.status, 201, JSON.stringify(res.body))
    t.equal(res.body.dispute.raisedBy, c.worker.id)
  })

  t.test(
    'refuses strangers, unknown milestones, unfunded and approved milestones, and bad bodies',
    async (t) => {
      const c = await signedContract(ta, { amounts: [10_000, 20_000] })
      const stranger = await raise(ta, ta.hirer(), c)
      t.equal(stranger.status, 404)
      t.equal(stranger.body.code, 'PAYMENT_ERR_CONTRACT_NOT_FOUND')
      const admin = await raise(ta, ta.admin(), c)
      t.equal(admin.status, 403)
      t.equal(admin.body.code, 'PAYMENT_ERR_NOT_A_PARTY')
      const unknown = await call(ta.app, 'POST', '/api/payments/disputes', c.hirer, {
        contractId: c.contractId,
        milestoneId: objectId(),
        reason: 'x',
      })
      t.equal(unknown.status, 404)
      t.equal(unknown.body.code, 'PAYMENT_ERR_MILESTONE_NOT_FOUND')

      const unfunded = await raise(ta, c.hirer, c, 1)
      t.equal(unfunded.status, 409)
      t.equal(unfunded.body.code, 'PAYMENT_ERR_DISPUTE_NOT_ALLOWED')
      t.match(unfunded.body.detail, /no escrow/)

      await fundedMilestone(ta, c, 0)
      const released = ta.probe.waitFor(
        (e) => e.type === 'PaymentReleased' && dataOf(e).milestoneId === c.milestones[0]!.milestoneId,
      )
      await approve(ta, c, 0)
      await released
      const approved = await raise(ta, c.worker, c, 0)
      t.equal(approved.status, 409)
      t.equal(approved.body.code, 'PAYMENT_ERR_DISPUTE_NOT_ALLOWED')
      t.match(approved.body.detail, /approved/)

      for (const reason of ['', '   ', 'x'.repeat(2001)]) {
        const bad = await raise(ta, c.hirer, c, 1, reason)
        t.equal(bad.status, 400, JSON.stringify(reason.slice(0, 5)))
        t.match(bad.body.errors, [{ field: 'reason' }])
      }
      t.equal(
        (await raise(ta, c.hirer, c, 1, 'x'.repeat(2000))).status,
        409,
        '2000 characters pass validation',
      )
      const pending = await signedContract(ta, { status: 'created' })
      const notActive = await raise(ta, pending.hirer, pending)
      t.equal(notActive.status, 409)
      t.match(notActive.body.detail, /pending/)
    },
  )

  t.test('a second dispute of the same escrow is a 409', async (t) => {
    const { c, disputeId } = await disputed(10_000)
    const again = await raise(ta, c.worker, c)
    t.equal(again.status, 409)
    t.equal(again.body.code, 'PAYMENT_ERR_DISPUTE_NOT_ALLOWED')
    t.match(again.body.detail, new RegExp(`already disputed.*${disputeId}`))
  })

  t.test('two raises at once from two app instances (two connections): one 201, one 409', async (t) => {
    const other = await buildTestApp({
      mongoUrl: ta.mongoUrl,
      busExchange: ta.exchange,
      skipSubscriptions: true,
    })
    // `other.close()` would drop the database and exchange `ta` still uses: close only its own parts.
    t.teardown(async () => {
      await other.probe.close()
      await other.events.close()
      await other.app.close()
    })
    for (let round = 0; round < 5; round++) {
      const c = await signedContract(ta, { amounts: [10_000] })
      const { escrowId } = await fundedMilestone(ta, c)
      const workerOnOther = other.actor('worker', { id: c.worker.id })
      const results = await Promise.all([
        raise(ta, c.hirer, c),
        raise(other, workerOnOther, c),
        raise(ta, c.worker, c),
        raise(other, other.actor('hirer', { id: c.hirer.id }), c),
      ])
      const statuses = results.map((r) => r.status).sort()
      t.same(statuses, [201, 409, 409, 409], JSON.stringify(results.map((r) => r.body)))
      const count = await ta.app.mongo.collection('disputes').countDocuments({ escrowId })
      t.equal(count, 1, 'one dispute document')
      const winner = results.find((r) => r.status === 201)!.body.dispute.id as string
      const escrow = await ta.app.mongo
        .collection<{ _id: string; disputeId: string }>('escrows')
        .findOne({ _id: escrowId })
      t.equal(escrow?.disputeId, winner)
    }
  })
})

t.test(
  'a disputed milestone is not released on approval; the resolution releases it once, with disputeId',
  async (t) => {
    const { c, escrowId, disputeId } = await disputed(12_345)
    const approval = await approve(ta, c)
    await settleTime()
    t.equal(
      ta.probe.events.filter(
        (e) => e.type === 'PaymentReleased' && dataOf(e).milestoneId === c.milestones[0]!.milestoneId,
      ).length,
      0,
      `no release after ${approval.id}`,
    )
    t.equal(await balance(`escrow:${escrowId}`), 12_345, 'the escrow still holds it')

    const admin = ta.admin()
    const resolvedEvent = waitFor('DisputeResolved', disputeId)
    const releasedEvent = waitFor('PaymentReleased', disputeId)
    const res = await resolve(admin, disputeId, { outcome: 'release', note: 'delivered as agreed' })
    t.equal(res.status, 200, JSON.stringify(res.body))
    t.match(res.body.dispute, {
      id: disputeId,
      status: 'resolved',
      outcome: 'release',
      workerAmount: { amountMinor: 12_345, currency: 'USD' },
      refundAmount: { amountMinor: 0, currency: 'USD' },
      resolvedBy: admin.id,
    })
    t.ok(res.body.dispute.resolvedAt)
    t.same(dataOf(await resolvedEvent), {
      disputeId,
      contractId: c.contractId,
      milestoneId: c.milestones[0]!.milestoneId,
      hirerId: c.hirer.id,
      workerId: c.worker.id,
      outcome: 'release',
      workerAmount: { amountMinor: 12_345, currency: 'USD' },
      refundAmount: { amountMinor: 0, currency: 'USD' },
      resolvedBy: admin.id,
    })
    t.match(dataOf(await releasedEvent), {
      escrowId,
      workerId: c.worker.id,
      amount: { amountMinor: 11_111, currency: 'USD' },
      platformFee: { amountMinor: 1_234, currency: 'USD' },
    })
    t.equal(await balance(`wallet:${c.worker.id}:USD`), 11_111, 'the worker got the amount less 10 %')
    t.equal(await balance(`escrow:${escrowId}`), 0)
    const escrow = await call(ta.app, 'GET', `/api/payments/escrow/${escrowId}`, c.worker)
    t.equal(escrow.body.escrow.status, 'released')
    const settle = await ta.app.mongo
      .collection<{ _id: string; kind: string; disputeId?: string; cause: unknown }>('ledger_transfers')
      .findOne({ _id: `settle:${escrowId}` })
    t.match(settle, { kind: 'release', disputeId, cause: { type: 'request', id: `resolve:${disputeId}` } })

    // The same resolution again (another admin, too): 200, nothing new. Another outcome: 409.
    const again = await resolve(ta.admin(), disputeId, { outcome: 'release' })
    t.equal(again.status, 200)
    t.equal(again.body.dispute.resolvedBy, admin.id, 'the first resolution stands')
    const other = await resolve(admin, disputeId, { outcome: 'refund' })
    t.equal(other.status, 409)
    t.equal(other.body.code, 'PAYMENT_ERR_DISPUTE_CLOSED')
    t.match(other.body.detail, /already resolved as release/)
    await settleTime()
    t.equal(seen('PaymentReleased', disputeId).length, 1, 'PaymentReleased once')
    t.equal(seen('DisputeResolved', disputeId).length, 1, 'DisputeResolved once')
    t.equal(await balance(`wallet:${c.worker.id}:USD`), 11_111)
    t.equal((await balance('revenue:platform:USD')) >= 1_234, true)
  },
)

t.test('refund: the whole escrow goes back to the card (RefundIssued, partial false), no fee', async (t) => {
  const { c, escrowId, disputeId } = await disputed(20_000)
  const resolvedEvent = waitFor('DisputeResolved', disputeId)
  const refundEvent = waitFor('RefundIssued', disputeId)
  const res = await resolve(ta.admin(), disputeId, { outcome: 'refund' })
  t.equal(res.status, 200, JSON.stringify(res.body))
  t.match(res.body.dispute, {
    outcome: 'refund',
    workerAmount: { amountMinor: 0, currency: 'USD' },
    refundAmount: { amountMinor: 20_000, currency: 'USD' },
  })
  t.match(dataOf(await resolvedEvent), { outcome: 'refund' })
  const refund = dataOf(await refundEvent)
  t.match(refund, {
    escrowId,
    hirerId: c.hirer.id,
    amount: { amountMinor: 20_000, currency: 'USD' },
    reason: 'dispute_resolved',
    partial: false,
  })
  t.match(refund.refundId, /^re_/, 'a Stripe Refund (stripe-mock)')
  t.equal(await balance(`escrow:${escrowId}`), 0)
  t.equal(await balance(`refund:${escrowId}`), 0, 'the reserve left for the card')
  t.equal(await balance(`wallet:${c.worker.id}:USD`), 0)
  const escrow = await ta.app.mongo.collection<{ _id: string }>('escrows').findOne({ _id: escrowId })
  t.match(escrow, { status: 'refunded', refundId: refund.refundId, disputeId })
  await settleTime()
  t.equal(seen('PaymentReleased', disputeId).length, 0)
  t.equal(seen('RefundIssued', disputeId).length, 1)
})

t.test(
  'split: the worker part less the fee is released, the rest refunded (partial), adding up to the escrow',
  async (t) => {
    const { c, escrowId, disputeId } = await disputed(10_000)
    const releasedEvent = waitFor('PaymentReleased', disputeId)
    const refundEvent = waitFor('RefundIssued', disputeId)
    const res = await resolve(ta.admin(), disputeId, { outcome: 'split', workerAmountMinor: 6_001 })
    t.equal(res.status, 200, JSON.stringify(res.body))
    t.match(res.body.dispute, {
      outcome: 'split',
      workerAmount: { amountMinor: 6_001, currency: 'USD' },
      refundAmount: { amountMinor: 3_999, currency: 'USD' },
    })
    const released = dataOf(await releasedEvent)
    const refunded = dataOf(await refundEvent)
    t.same(released.amount, { amountMinor: 5_401, currency: 'USD' }, '6001 less floor(600.1)')
    t.same(released.platformFee, { amountMinor: 600, currency: 'USD' })
    t.match(refunded, {
      amount: { amountMinor: 3_999, currency: 'USD' },
      partial: true,
      reason: 'dispute_resolved',
    })
    const parts = [released.amount, released.platformFee, refunded.amount] as { amountMinor: number }[]
    t.equal(
      parts.reduce((s, m) => s + m.amountMinor, 0),
      10_000,
      'net + fee + refund = the escrow',
    )
    t.equal(await balance(`wallet:${c.worker.id}:USD`), 5_401)
    t.equal(await balance(`escrow:${escrowId}`), 0)
    t.equal(await balance(`refund:${escrowId}`), 0)
    const escrow = await ta.app.mongo.collection<{ _id: string }>('escrows').findOne({ _id: escrowId })
    t.match(escrow, { status: 'split' })

    const otherSplit = await resolve(ta.admin(), disputeId, { outcome: 'split', workerAmountMinor: 5_000 })
    t.equal(otherSplit.status, 409, 'another split is another resolution')
    t.match(otherSplit.body.detail, /split \(worker 6001, refund 3999/)
    t.equal(
      (await resolve(ta.admin(), disputeId, { outcome: 'split', workerAmountMinor: 6_001 })).status,
      200,
    )
    await settleTime()
    t.equal(seen('PaymentReleased', disputeId).length, 1)
    t.equal(seen('RefundIssued', disputeId).length, 1)
  },
)

t.test(
  'POST /api/payments/disputes/:id/resolve refuses non-admins, unknown disputes and bad amounts',
  async (t) => {
    const { c, escrowId, disputeId } = await disputed(10_000)
    for (const actor of [c.hirer, c.worker, ta.worker()]) {
      const res = await resolve(actor, disputeId, { outcome: 'release' })
      t.equal(res.status, 403, actor.role)
    }
    t.equal(
      (await call(ta.app, 'POST', `/api/payments/disputes/${disputeId}/resolve`, null, { outcome: 'refund' }))
        .status,
      401,
    )
    const unknown = await resolve(ta.admin(), objectId(), { outcome: 'release' })
    t.equal(unknown.status, 404)
    t.equal(unknown.body.code, 'PAYMENT_ERR_DISPUTE_NOT_FOUND')

    const bad: [Record<string, unknown>, string][] = [
      [{ outcome: 'split' }, 'PAYMENT_ERR_INVALID_SPLIT'],
      [{ outcome: 'split', workerAmountMinor: 10_000 }, 'PAYMENT_ERR_INVALID_SPLIT'],
      [{ outcome: 'split', workerAmountMinor: 25_000 }, 'PAYMENT_ERR_INVALID_SPLIT'],
      [{ outcome: 'release', workerAmountMinor: 5_000 }, 'PAYMENT_ERR_INVALID_SPLIT'],
      [{ outcome: 'split', workerAmountMinor: 0 }, 'KIT_ERR_VALIDATION'],
      [{ outcome: 'split', workerAmountMinor: 12.5 }, 'KIT_ERR_VALIDATION'],
      [{ outcome: 'split', workerAmountMinor: -5 }, 'KIT_ERR_VALIDATION'],
      [{ outcome: 'split', workerAmountMinor: 100_000_000 }, 'KIT_ERR_VALIDATION'],
    ]
    for (const [body] of bad) {
      const res = await resolve(ta.admin(), disputeId, body)
      t.equal(res.status, 400, JSON.stringify(body))
      t.match(res.body.errors, [{ field: 'workerAmountMinor' }], JSON.stringify(res.body))
    }
    t.equal((await resolve(ta.admin(), disputeId, { outcome: 'halve' })).status, 400)
    const stillOpen = await call(ta.app, 'GET', `/api/payments/disputes/${disputeId}`, c.hirer)
    t.equal(stillOpen.body.dispute.status, 'open')
    t.equal(await balance(`escrow:${escrowId}`), 10_000, 'nothing moved')
  },
)

t.test(
  'Stripe down during a refund: 502, the reserve stays; the same resolution resumes it, another is 409',
  async (t) => {
    const { c, escrowId, disputeId } = await disputed(8_000)
    const admin = ta.admin()
    stripe.pause()
    stripe.cut()
    let down
    try {
      down = await resolve(admin, disputeId, { outcome: 'split', workerAmountMinor: 2_000 })
    } finally {
      stripe.resume()
    }
    t.equal(down.status, 502, JSON.stringify(down.body))
    t.equal(down.body.code, 'PAYMENT_ERR_STRIPE_UNAVAILABLE')
    t.equal(await balance(`refund:${escrowId}`), 6_000, 'the refund is reserved')
    t.equal(await balance(`wallet:${c.worker.id}:USD`), 1_800, "the worker's part is released")
    const open = await call(ta.app, 'GET', `/api/payments/disputes/${disputeId}`, admin)
    t.equal(open.body.dispute.status, 'open')

    const other = await resolve(admin, disputeId, { outcome: 'release' })
    t.equal(other.status, 409, 'another outcome after the settlement')
    t.equal(other.body.code, 'PAYMENT_ERR_DISPUTE_CLOSED')
    t.match(other.body.detail, /already settled as split .* by this dispute/)

    const refundEvent = waitFor('RefundIssued', disputeId)
    const resumed = await resolve(admin, disputeId, { outcome: 'split', workerAmountMinor: 2_000 })
    t.equal(resumed.status, 200, JSON.stringify(resumed.body))
    t.match(resumed.body.dispute, { status: 'resolved', outcome: 'split' })
    t.match(dataOf(await refundEvent), { amount: { amountMinor: 6_000 }, partial: true })
    t.equal(await balance(`refund:${escrowId}`), 0)
    await settleTime()
    t.equal(seen('PaymentReleased', disputeId).length, 1)
    t.equal(seen('RefundIssued', disputeId).length, 1)
    t.equal(seen('DisputeResolved', disputeId).length, 1)
  },
)

t.test('GET /api/payments/disputes is the admins queue, newest first in cursor pages', async (t) => {
  const a = await disputed(1_000)
  const b = await disputed(2_000)
  const cc = await disputed(3_000)
  const admin = ta.admin()
  const first = await call(ta.app, 'GET', '/api/payments/disputes?status=open&limit=2', admin)
  t.equal(first.status, 200, JSON.stringify(first.body))
  t.same(
    first.body.items.map((d: { id: string }) => d.id),
    [cc.disputeId, b.disputeId],
  )
  t.type(first.body.nextCursor, 'string')
  const second = await call(
    ta.app,
    'GET',
    `/api/payments/disputes?status=open&limit=2&cursor=${first.body.nextCursor}`,
    admin,
  )
  t.equal(second.status, 200)
  t.equal(second.body.items[0].id, a.disputeId)
  t.notOk(
    second.body.items.some((d: { id: string }) => [b.disputeId, cc.disputeId].includes(d.id)),
    'no repeats across pages',
  )

  await resolve(admin, b.disputeId, { outcome: 'refund' })
  const open = await call(ta.app, 'GET', '/api/payments/disputes?status=open&limit=100', admin)
  t.notOk(open.body.items.some((d: { id: string }) => d.id === b.disputeId))
  const resolved = await call(ta.app, 'GET', '/api/payments/disputes?status=resolved&limit=100', admin)
  t.ok(resolved.body.items.every((d: { status: string }) => d.status === 'resolved'))
  t.ok(resolved.body.items.some((d: { id: string }) => d.id === b.disputeId))

  for (const actor of [a.c.hirer, a.c.worker]) {
    const res = await call(ta.app, 'GET', '/api/payments/disputes', actor)
    t.equal(res.status, 403)
    t.equal(res.body.code, 'PAYMENT_ERR_ADMINS_ONLY')
  }
  const forged = await call(ta.app, 'GET', '/api/payments/disputes?cursor=WzEsMl0', admin)
  t.equal(forged.status, 400)
  t.match(forged.body.errors, [{ field: 'cursor' }])
  t.equal((await call(ta.app, 'GET', '/api/payments/disputes?status=closed', admin)).status, 400)
})

t.test('an escrow frozen by a card chargeback cannot be resolved (409), and nothing moves', async (t) => {
  const { escrowId, paymentIntentId, disputeId } = await disputed(5_000)
  const hook = await webhook(
    ta,
    stripeEvent('charge.dispute.created', {
      id: 'dp_test',
      object: 'dispute',
      payment_intent: paymentIntentId,
      amount: 5_000,
      currency: 'usd',
    }),
  )
  t.equal(hook.status, 200, JSON.stringify(hook.body))
  const res = await resolve(ta.admin(), disputeId, { outcome: 'release' })
  t.equal(res.status, 409)
  t.equal(res.body.code, 'PAYMENT_ERR_DISPUTE_CLOSED')
  t.match(res.body.detail, /chargeback/)
  t.equal(await balance(`escrow:${escrowId}`), 5_000)
})

t.test('a settled escrow cannot be disputed even when the read model lags (work still "open")', async (t) => {
  const c = await signedContract(ta, { amounts: [4_000] })
  const { escrowId } = await fundedMilestone(ta, c)
  const released = ta.probe.waitFor((e) => e.type === 'PaymentReleased' && dataOf(e).escrowId === escrowId)
  await approve(ta, c)
  await released
  // As if MilestoneApproved had not reached the read model: only the ledger says it is settled.
  await ta.app.mongo
    .collection<{ _id: string }>('contracts')
    .updateOne({ _id: c.contractId }, { $set: { 'milestones.0.work': 'open' } })
  await ta.app.mongo
    .collection<{ _id: string }>('escrows')
    .updateOne({ _id: escrowId }, { $set: { status: 'funded' } })
  const res = await raise(ta, c.hirer, c)
  t.equal(res.status, 409)
  t.match(res.body.detail, /already settled \(release\)/)
})

t.test(
  'approval racing a dispute: the escrow is either released or held by an open dispute, never both',
  async (t) => {
    for (let round = 0; round < 8; round++) {
      const c = await signedContract(ta, { amounts: [3_000] })
      const { escrowId } = await fundedMilestone(ta, c)
      const [res] = await Promise.all([raise(ta, c.worker, c), approve(ta, c)])
      const dispute = await ta.app.mongo
        .collection<{ escrowId: string; status: string }>('disputes')
        .findOne({ escrowId })
      const settle = await ta.app.mongo
        .collection<{ _id: string; kind: string }>('ledger_transfers')
        .findOne({ _id: `settle:${escrowId}` })
      if (res.status === 201) {
        t.equal(settle, null, `round ${round}: disputed, so held`)
        t.equal(dispute?.status, 'open')
        t.equal(await balance(`escrow:${escrowId}`), 3_000)
      } else {
        t.equal(res.status, 409, `round ${round}: ${JSON.stringify(res.body)}`)
        t.equal(settle?.kind, 'release', `round ${round}: released`)
        t.not(dispute?.status, 'open', 'no open dispute of a settled escrow')
        t.equal(await balance(`wallet:${c.worker.id}:USD`), 2_700)
      }
    }
  },
)
