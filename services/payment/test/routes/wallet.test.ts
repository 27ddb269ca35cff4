/**
 * `GET /api/wallet` and `GET /api/wallet/transactions` against real FerretDB, RabbitMQ and
 * stripe-mock: money funded by a hirer and released to a worker shows as the worker's available
 * balance (less the 10 % fee) and the hirer's money in escrow; the history pages newest first.
 */
import { createEvent } from '@kelmah/contracts'
import { eventually } from '@kelmah/testing'
import t from 'tap'
import {
  approve,
  buildTestApp,
  call,
  fundedMilestone,
  signedContract,
  type Actor,
  type Json,
  type SignedContract,
  type TestApp,
} from '../fixtures/app.js'

const ta = await buildTestApp()
t.teardown(() => ta.close())

/** `GET /api/wallet` as `actor`: the balances. */
async function balances(app: TestApp, actor: Actor): Promise<Json[]> {
  const res = await call(app.app, 'GET', '/api/wallet', actor)
  if (res.status !== 200) throw new Error(`GET /api/wallet: ${res.status} ${JSON.stringify(res.body)}`)
  return (res.body as { balances: Json[] }).balances
}

/** Wait until `actor`'s available balance in `currency` is `amountMinor`. */
async function availableIs(actor: Actor, currency: string, amountMinor: number): Promise<void> {
  await eventually(async () => {
    const b = (await balances(ta, actor)).find((x) => x.currency === currency)
    return b?.available.amountMinor === amountMinor ? true : undefined
  })
}

/** A contract for `worker` whose milestones are all funded; those in `release` approved and released. */
async function contractWith(
  hirer: Actor,
  worker: Actor,
  amounts: number[],
  release: number[],
  currency = 'USD',
): Promise<SignedContract> {
  const c = await signedContract(ta, { hirer, worker, amounts, currency })
  for (let i = 0; i < amounts.length; i++) await fundedMilestone(ta, c, i)
  for (const i of release) await approve(ta, c, i)
  return c
}

t.test('GET /api/wallet', async (t) => {
  t.test('a new user has no balances; without a token it is 401', async (t) => {
    t.same(await balances(ta, ta.worker()), [])
    t.same(await balances(ta, ta.hirer()), [])
    t.equal((await call(ta.app, 'GET', '/api/wallet', null)).status, 401)
  })

  t.test(
    "a release is the worker's available money less 10 %; funded escrow is both parties' inEscrow",
    async (t) => {
      const hirer = ta.hirer()
      const worker = ta.worker()
      await contractWith(hirer, worker, [10_000, 20_000], [0])
      await contractWith(hirer, worker, [3_000], [], 'EUR')
      await availableIs(worker, 'USD', 9_000)
      t.same(await balances(ta, worker), [
        {
          currency: 'EUR',
          available: { amountMinor: 0, currency: 'EUR' },
          inEscrow: { amountMinor: 3_000, currency: 'EUR' },
        },
        {
          currency: 'USD',
          available: { amountMinor: 9_000, currency: 'USD' },
          inEscrow: { amountMinor: 20_000, currency: 'USD' },
        },
      ])
      // The hirer has no wallet money (paying in is not earning); their money is held in escrow.
      t.same(await balances(ta, hirer), [
        {
          currency: 'EUR',
          available: { amountMinor: 0, currency: 'EUR' },
          inEscrow: { amountMinor: 3_000, currency: 'EUR' },
        },
        {
          currency: 'USD',
          available: { amountMinor: 0, currency: 'USD' },
          inEscrow: { amountMinor: 20_000, currency: 'USD' },
        },
      ])
      // A stranger sees nothing of it.
      t.same(await balances(ta, ta.worker()), [])
      t.same(await balances(ta, ta.admin()), [])
    },
  )
})

t.test('GET /api/wallet/transactions', async (t) => {
  const hirer = ta.hirer()
  const worker = ta.worker()
  const c = await contractWith(hirer, worker, [10_000, 12_345], [])
  await approve(ta, c, 0)
  await availableIs(worker, 'USD', 9_000)
  await approve(ta, c, 1)
  await availableIs(worker, 'USD', 9_000 + 11_111)
  const [m0, m1] = c.milestones

  t.test("a worker's releases, newest first, one per page with the cursor", async (t) => {
    const first = await call(ta.app, 'GET', '/api/wallet/transactions?limit=1', worker)
    t.equal(first.status, 200, JSON.stringify(first.body))
    t.equal(first.body.items.length, 1)
    t.same(first.body.items[0], {
      id: first.body.items[0].id,
      kind: 'release',
      direction: 'credit',
      amount: { amountMinor: 11_111, currency: 'USD' },
      platformFee: { amountMinor: 1_234, currency: 'USD' },
      contractId: c.contractId,
      milestoneId: m1!.milestoneId,
      escrowId: first.body.items[0].escrowId,
      payoutId: null,
      createdAt: first.body.items[0].createdAt,
    })
    t.match(first.body.items[0].id, /^settle:esc_/)
    t.type(first.body.nextCursor, 'string')
    const second = await call(
      ta.app,
      'GET',
      `/api/wallet/transactions?limit=1&cursor=${first.body.nextCursor}`,
      worker,
    )
    t.equal(second.status, 200)
    t.match(second.body.items, [
      {
        kind: 'release',
        direction: 'credit',
        amount: { amountMinor: 9_000, currency: 'USD' },
        platformFee: { amountMinor: 1_000, currency: 'USD' },
        milestoneId: m0!.milestoneId,
      },
    ])
    t.ok(Date.parse(second.body.items[0].createdAt) <= Date.parse(first.body.items[0].createdAt))
    t.equal(second.body.nextCursor, null)
    const all = await call(ta.app, 'GET', '/api/wallet/transactions', worker)
    t.same(
      all.body.items.map((i: Json) => i.milestoneId),
      [m1!.milestoneId, m0!.milestoneId],
    )
    t.equal(all.body.nextCursor, null)
  })

  t.test("a hirer's fundings are debits of the escrowed amount", async (t) => {
    const res = await call(ta.app, 'GET', '/api/wallet/transactions', hirer)
    t.equal(res.status, 200)
    t.match(res.body.items, [
      { kind: 'fund', direction: 'debit', amount: { amountMinor: 12_345, currency: 'USD' } },
      { kind: 'fund', direction: 'debit', amount: { amountMinor: 10_000, currency: 'USD' } },
    ])
    t.equal(res.body.items.length, 2)
    t.notOk('platformFee' in res.body.items[0])
  })

  t.test("a refund paid to the hirer's card is a credit in the hirer's history", async (t) => {
    const h = ta.hirer()
    const w = ta.worker()
    const cancelled = await contractWith(h, w, [7_000], [])
    await ta.deliver(
      createEvent(
        'ContractCancelled',
        {
          contractId: cancelled.contractId,
          jobId: cancelled.jobId,
          hirerId: h.id,
          workerId: w.id,
          cancelledBy: h.id,
          refundableMilestoneIds: [cancelled.milestones[0]!.milestoneId],
        },
        { producer: 'job' },
      ),
      'refund-on-cancellation',
    )
    const items = await eventually(async () => {
      const res = await call(ta.app, 'GET', '/api/wallet/transactions', h)
      return res.body.items.length === 2 ? (res.body.items as Json[]) : undefined
    })
    t.match(items, [
      { kind: 'refund_paid', direction: 'credit', amount: { amountMinor: 7_000, currency: 'USD' } },
      { kind: 'fund', direction: 'debit', amount: { amountMinor: 7_000, currency: 'USD' } },
    ])
    // Nothing reached the worker: the cancellation is not in their history, and nothing is held.
    t.same((await call(ta.app, 'GET', '/api/wallet/transactions', w)).body.items, [])
    // The hirer's money went back to the card: no wallet money, nothing held.
    t.same(await balances(ta, h), [])
  })

  t.test('another user sees none of it; a forged cursor is 400; no token is 401', async (t) => {
    const stranger = await call(ta.app, 'GET', '/api/wallet/transactions', ta.worker())
    t.same(stranger.body, { items: [], nextCursor: null })
    t.same((await call(ta.app, 'GET', '/api/wallet/transactions', ta.admin())).body.items, [])
    const forged = Buffer.from(JSON.stringify(['yesterday', 'settle:x'])).toString('base64url')
    for (const cursor of ['not-a-cursor', forged]) {
      const res = await call(ta.app, 'GET', `/api/wallet/transactions?cursor=${cursor}`, worker)
      t.equal(res.status, 400)
      t.match(res.body.errors, [{ field: 'cursor' }])
    }
    t.equal((await call(ta.app, 'GET', '/api/wallet/transactions?limit=0', worker)).status, 400)
    t.equal((await call(ta.app, 'GET', '/api/wallet/transactions?limit=101', worker)).status, 400)
    t.equal((await call(ta.app, 'GET', '/api/wallet/transactions', null)).status, 401)
  })
})
