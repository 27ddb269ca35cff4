/**
 * Settlement from events against real FerretDB and RabbitMQ: the release on approval is one
 * transfer however many consumers race for it; a cancellation refunds escrow through a Stripe
 * Refund (stripe-mock); an event written but never published by a process that died is published
 * by the sweep, once.
 */
import { createEvent } from '@kelmah/contracts'
import { AggregateStore } from '@kelmah/service-kit'
import { eventually } from '@kelmah/testing'
import t from 'tap'
import { splitFee } from '../../src/domain/fees.js'
import { releaseTransfer } from '../../src/domain/ledger.js'
import { paymentReleased } from '../../src/events/publishers.js'
import type { TransferDoc } from '../../src/models/index.js'
import { Ledger } from '../../src/services/ledger.js'
import { approve, buildTestApp, fundedMilestone, milestoneApproved, signedContract } from '../fixtures/app.js'

const ta = await buildTestApp()
// A second instance of the service on the same database and queues: two consumers race.
const other = await buildTestApp({
  mongoUrl: ta.mongoUrl,
  busExchange: ta.exchange,
  serviceName: ta.serviceName,
})
t.teardown(async () => {
  await ta.close()
  await other.close()
})

const transfers = () => ta.app.mongo.collection<{ _id: string; kind: string }>('ledger_transfers')
const released = (milestoneId: string) =>
  ta.probe.events.filter(
    (e) => e.type === 'PaymentReleased' && (e.data as { milestoneId?: string }).milestoneId === milestoneId,
  )

t.test('the same approval delivered to two consumer instances at once releases once', async (t) => {
  const c = await signedContract(ta, { amounts: [40_000] })
  const { escrowId } = await fundedMilestone(ta, c)
  const m = c.milestones[0]!
  const event = milestoneApproved(c)
  // A redelivery racing the first delivery, and a second event id for the same fact.
  const again = createEvent('MilestoneApproved', event.data, { producer: 'job' })
  await Promise.all([
    ta.events.publish(event),
    ta.events.publish(event),
    ta.events.publish(again),
    ta.events.publish(again),
  ])
  await eventually(async () => (released(m.milestoneId).length > 0 ? true : undefined), 10_000, 'the release')
  await new Promise((r) => setTimeout(r, 1_000))
  t.equal(await transfers().countDocuments({ _id: `settle:${escrowId}` }), 1, 'one settlement')
  t.equal(released(m.milestoneId).length, 1, 'PaymentReleased once')
  const [ev] = released(m.milestoneId)
  t.same((ev?.data as { amount: unknown }).amount, { amountMinor: 36_000, currency: 'USD' })
})

t.test('approval of a milestone never funded here is dead-lettered, not released', async (t) => {
  const c = await signedContract(ta, { amounts: [5_000] })
  await t.rejects(approve(ta, c, 0, 3_000), 'never handled successfully')
  t.equal(await transfers().countDocuments({ milestoneId: c.milestones[0]!.milestoneId }), 0)
})

t.test('a cancellation refunds the funded milestones through Stripe; RefundIssued once', async (t) => {
  const c = await signedContract(ta, { amounts: [10_000, 20_000] })
  const first = await fundedMilestone(ta, c, 0)
  const cancelled = createEvent(
    'ContractCancelled',
    {
      contractId: c.contractId,
      jobId: c.jobId,
      hirerId: c.hirer.id,
      workerId: c.worker.id,
      cancelledBy: c.hirer.id,
      refundableMilestoneIds: c.milestones.map((m) => m.milestoneId),
    },
    { producer: 'job' },
  )
  await ta.deliver(cancelled, 'refund-on-cancellation')
  const refunds = await eventually(
    async () => {
      const found = ta.probe.events.filter(
        (e) => e.type === 'RefundIssued' && (e.data as { escrowId?: string }).escrowId === first.escrowId,
      )
      return found.length > 0 ? found : undefined
    },
    10_000,
    'RefundIssued',
  )
  t.equal(refunds.length, 1)
  t.match(refunds[0]?.data, {
    amount: { amountMinor: 10_000, currency: 'USD' },
    reason: 'contract_cancelled',
    partial: false,
  })
  t.match((refunds[0]?.data as { refundId: string }).refundId, /^re_/)
  const kinds = (await transfers().find({ escrowId: first.escrowId }).toArray()).map((x) => x.kind).sort()
  t.same(kinds, ['fund', 'refund', 'refund_paid'])
  // The same cancellation again (a redelivery under another id) refunds nothing more.
  await ta.deliver(
    createEvent('ContractCancelled', cancelled.data, { producer: 'job' }),
    'refund-on-cancellation',
  )
  t.equal(await transfers().countDocuments({ escrowId: first.escrowId }), 3)
  // A release after the refund finds the escrow settled.
  await approve(ta, c, 0)
  t.equal(await transfers().countDocuments({ _id: `settle:${first.escrowId}` }), 1)
  t.equal(released(c.milestones[0]!.milestoneId).length, 0)
})

t.test(
  'a transfer written by a process that died before publishing is published by the sweep, once',
  async (t) => {
    const c = await signedContract(ta, { amounts: [9_999] })
    const { escrowId } = await fundedMilestone(ta, c)
    const m = c.milestones[0]!
    // A store without a relay: the write lands, nothing publishes it (the broker cut / the crash).
    const model = ta.app.mongo.model('Transfer')
    const orphan = new Ledger(
      new AggregateStore<TransferDoc>(model, { name: 'ledger transfer', touch: false }),
      () => new Date(),
    )
    const ref = {
      escrowId,
      contractId: c.contractId,
      milestoneId: m.milestoneId,
      hirerId: c.hirer.id,
      workerId: c.worker.id,
      amount: m.amount,
    }
    const { net, fee } = splitFee(m.amount, 1000)
    await orphan.post(releaseTransfer(ref, fee, { type: 'event', id: 'crashed' }), [
      paymentReleased(ref, net, fee, { producer: 'payment' }),
    ])
    await eventually(async () => (released(m.milestoneId).length > 0 ? true : undefined), 15_000, 'the sweep')
    await new Promise((r) => setTimeout(r, 1_000))
    t.equal(released(m.milestoneId).length, 1)
  },
)
