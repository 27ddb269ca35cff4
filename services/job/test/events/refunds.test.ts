/**
 * `RefundIssued` and `DisputeResolved` through the bus (queue `job.payments`), as the payment
 * service publishes them: cancellation refunds, disputes decided for the hirer, splits with
 * their two facts in either order, repeats, and contradictions dead-lettered.
 */
import { DEFAULT_RETRY_DELAYS_MS, queueNames } from '@kelmah/bus'
import { testEnv, uniqueName } from '@kelmah/testing'
import amqp from 'amqplib'
import t from 'tap'
import { contractModel } from '../../src/models/contract.js'
import { buildTestApp, call } from '../fixtures/app.js'
import {
  activeHire,
  eventually,
  getContract,
  milestoneReaches,
  milestoneStep,
  PaymentEvents,
  type Hire,
} from '../fixtures/contracts.js'

t.test('refunds and dispute resolutions', async (t) => {
  const serviceName = uniqueName('job_test')
  const ta = await buildTestApp({ outboxIntervalMs: 5000, serviceName })
  const pay = await PaymentEvents.open(ta)
  const conn = await amqp.connect(testEnv().amqpUrl)
  const ch = await conn.createChannel()
  t.teardown(async () => {
    await conn.close()
    await pay.close()
    await ta.close()
  })
  const Contract = contractModel(ta.app.mongo)
  const dlq = queueNames(serviceName, 'payments', DEFAULT_RETRY_DELAYS_MS).dlq
  const dlqCount = async () => (await ch.checkQueue(dlq)).messageCount
  const version = async (h: Hire) => (await Contract.findById(h.contract.id).lean())!.version
  const contractOf = async (h: Hire) => (await getContract(ta, h.hirer, h.contract.id)).body.contract
  const completions = (h: Hire) =>
    ta.probe.events.filter(
      (e) =>
        e.type === 'ContractCompleted' && (e.data as { contractId: string }).contractId === h.contract.id,
    ).length
  /**
   * Wait until the events published so far are consumed: a fact about another hire, published
   * after them (one queue, taken in order), is recorded.
   */
  const settle = async () => {
    const marker = await activeHire(ta)
    await pay.publish(pay.funded(marker))
    await milestoneReaches(ta, marker, marker.contract.milestones[0].id, 'funded')
  }
  const fundAndDispute = async (h: Hire, m = 0) => {
    await pay.publish(pay.funded(h, m))
    await milestoneReaches(ta, h, h.contract.milestones[m].id, 'funded')
    await pay.publish(pay.disputed(h, m))
    return milestoneReaches(ta, h, h.contract.milestones[m].id, 'disputed')
  }
  const twoMilestones = {
    milestones: [
      { title: 'Design', amountMinor: 40_000 },
      { title: 'Build', amountMinor: 100_000 },
    ],
  }

  t.test('a cancelled contract: RefundIssued refunds its escrowed milestone, once', async (t) => {
    const h = await activeHire(ta)
    const m = h.contract.milestones[0].id
    await pay.publish(pay.funded(h))
    await milestoneReaches(ta, h, m, 'funded')
    const cancelled = await call(ta.app, 'POST', `/api/contracts/${h.contract.id}/cancel`, h.worker)
    t.equal(cancelled.status, 200)
    t.same(cancelled.body.contract.cancellation.refundableMilestoneIds, [m])
    const before = await dlqCount()
    const refund = pay.refunded(h)
    await pay.publish(refund)
    const res = await milestoneReaches(ta, h, m, 'refunded')
    t.match(res.body.contract, {
      status: 'cancelled',
      milestones: [
        {
          status: 'refunded',
          refundedAt: String,
          refund: {
            amount: { amountMinor: 140_000, currency: 'USD' },
            partial: false,
            reason: 'contract_cancelled',
            refundId: `re_${m}`,
          },
        },
      ],
    })
    const v = await version(h)
    await pay.publish(refund) // a redelivery
    await pay.publish(pay.refunded(h)) // another event stating the same refund
    await settle()
    t.equal(await version(h), v, 'the repeats wrote nothing')
    t.equal(await dlqCount(), before, 'nothing dead-lettered')
  })

  t.test(
    'a dispute decided for the hirer: refunded, the contract stays active and can then be cancelled',
    async (t) => {
      const h = await activeHire(ta)
      const m = h.contract.milestones[0].id
      await fundAndDispute(h)
      const resolution = pay.resolved(h, 0, 'refund')
      await pay.publish(resolution)
      const res = await milestoneReaches(ta, h, m, 'refunded')
      t.match(res.body.contract, {
        status: 'active',
        milestones: [{ resolution: { disputeId: `dp_${m}`, outcome: 'refund' }, refund: null }],
      })
      // The money fact after the ruling adds its record once; repeats of both change nothing.
      const refund = pay.refunded(h, 0, { reason: 'dispute_resolved', disputeId: `dp_${m}` })
      await pay.publish(refund)
      await eventually(async () => (await contractOf(h)).milestones[0].refund?.reason === 'dispute_resolved')
      const v = await version(h)
      await pay.publish(resolution)
      await pay.publish(refund)
      await settle()
      t.equal(await version(h), v, 'repeats wrote nothing')
      t.equal((await contractOf(h)).status, 'active', 'nothing was paid for: not completed')
      t.equal(completions(h), 0)
      const cancel = await call(ta.app, 'POST', `/api/contracts/${h.contract.id}/cancel`, h.hirer)
      t.equal(cancel.status, 200, 'a refunded milestone no longer blocks the cancel')
      t.match(cancel.body.contract, { status: 'cancelled', cancellation: { refundableMilestoneIds: [] } })
    },
  )

  t.test('a split, the hirer part refunded before the worker part is released: completes once', async (t) => {
    const h = await activeHire(ta, twoMilestones)
    const [m0, m1] = h.contract.milestones.map((m: { id: string }) => m.id)
    // The first milestone the ordinary way.
    await pay.publish(pay.funded(h, 0))
    await milestoneReaches(ta, h, m0, 'funded')
    t.equal((await milestoneStep(ta, h.worker, h.contract.id, m0, 'submit', { note: 'done' })).status, 200)
    t.equal((await milestoneStep(ta, h.hirer, h.contract.id, m0, 'approve')).status, 200)
    await pay.publish(pay.released(h, 0))
    await milestoneReaches(ta, h, m0, 'released')
    // The second disputed and split 60/40.
    await fundAndDispute(h, 1)
    await pay.publish(pay.resolved(h, 1, 'split', 60_000))
    await eventually(async () => (await contractOf(h)).milestones[1].resolution?.outcome === 'split')
    const part = pay.refunded(h, 1, {
      partial: true,
      reason: 'dispute_resolved',
      amount: { amountMinor: 40_000, currency: 'USD' },
      disputeId: `dp_${m1}`,
    })
    await pay.publish(part)
    await eventually(async () => (await contractOf(h)).milestones[1].refund?.partial === true)
    const mid = await contractOf(h)
    t.equal(mid.milestones[1].status, 'disputed', 'a partial refund moves no status')
    t.equal(mid.status, 'active')
    const release = pay.released(h, 1, {}, 60_000)
    await pay.publish(release)
    const done = await milestoneReaches(ta, h, m1, 'released')
    await eventually(async () => (await contractOf(h)).status === 'completed')
    t.match(done.body.contract.milestones[1], {
      platformFee: { amountMinor: 6_000 },
      refund: { amount: { amountMinor: 40_000 }, partial: true },
      resolution: { outcome: 'split' },
    })
    const v = await version(h)
    await pay.publish(part)
    await pay.publish(release)
    await settle()
    t.equal(await version(h), v, 'repeats wrote nothing')
    t.equal(completions(h), 1, 'ContractCompleted once')
  })

  t.test('a split the other way round: released first, the partial refund recorded after', async (t) => {
    const h = await activeHire(ta)
    const m = h.contract.milestones[0].id
    await fundAndDispute(h)
    await pay.publish(pay.released(h, 0, {}, 70_000))
    await milestoneReaches(ta, h, m, 'released')
    await eventually(async () => (await contractOf(h)).status === 'completed')
    await pay.publish(pay.resolved(h, 0, 'split', 70_000)) // late: past the fact
    await pay.publish(
      pay.refunded(h, 0, {
        partial: true,
        reason: 'dispute_resolved',
        amount: { amountMinor: 70_000, currency: 'USD' },
      }),
    )
    await eventually(async () => (await contractOf(h)).milestones[0].refund?.partial === true)
    const c = await contractOf(h)
    t.match(c, { status: 'completed', milestones: [{ status: 'released', resolution: null }] })
    t.equal(completions(h), 1)
  })

  t.test(
    'a dispute decided for the worker: the resolution is recorded, PaymentReleased completes',
    async (t) => {
      const h = await activeHire(ta)
      const m = h.contract.milestones[0].id
      await fundAndDispute(h)
      await pay.publish(pay.resolved(h, 0, 'release'))
      await eventually(async () => (await contractOf(h)).milestones[0].resolution?.outcome === 'release')
      t.equal((await contractOf(h)).milestones[0].status, 'disputed')
      await pay.publish(pay.released(h, 0))
      await milestoneReaches(ta, h, m, 'released')
      await eventually(async () => (await contractOf(h)).status === 'completed')
    },
  )

  t.test('refunds and resolutions that contradict the milestone are dead-lettered', async (t) => {
    const h = await activeHire(ta)
    const before = await dlqCount()
    await pay.publish(pay.refunded(h)) // nothing was funded
    await pay.publish(pay.resolved(h, 0, 'refund')) // never disputed
    await pay.publish(
      pay.refunded(h, 0, { partial: true, amount: { amountMinor: 1, currency: 'USD' } }), // no dispute
    )
    await eventually(async () => (await dlqCount()) >= before + 3, 10_000, '3 dead-lettered events')
    t.equal((await contractOf(h)).milestones[0].status, 'pending', 'nothing recorded')
  })
})
