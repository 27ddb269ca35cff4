/**
 * The refund and dispute-resolution decisions (`RefundIssued`, `DisputeResolved`): which
 * milestone moves they make, what they record, when they complete a contract, and what they
 * dead-letter. Pure — the event tests (test/events/refunds.test.ts) run the same through the bus.
 */
import { NonRetryableError } from '@kelmah/bus'
import { createEvent, type EventData } from '@kelmah/contracts'
import { Types } from 'mongoose'
import t from 'tap'
import { decideCancellation } from '../../src/domain/contract.js'
import { paymentFactChange } from '../../src/domain/contract-changes.js'
import {
  canMilestoneTransition,
  disputeResolutionOutcome,
  MILESTONE_STATUSES,
  partialRefundOutcome,
  paymentFactOutcome,
  type MilestoneStatus,
} from '../../src/domain/milestone.js'
import type { ContractDoc, MilestoneDoc } from '../../src/models/contract.js'

const now = new Date('2026-06-15T12:00:00Z')
const ctx = { producer: 'job' as const, correlationId: 'req-1' }
const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' })

function milestone(status: MilestoneStatus, over: Partial<MilestoneDoc> = {}): MilestoneDoc {
  return {
    id: new Types.ObjectId().toHexString(),
    title: 'Part',
    amount: usd(10_000),
    dueDate: null,
    status,
    submission: null,
    revisions: [],
    dispute: null,
    paymentIntentId: null,
    platformFee: null,
    fundedAt: null,
    submittedAt: null,
    approvedAt: null,
    releasedAt: null,
    disputedAt: null,
    ...over,
  }
}

function contract(status: ContractDoc['status'], milestones: MilestoneDoc[]): ContractDoc {
  return {
    _id: new Types.ObjectId(),
    jobId: new Types.ObjectId(),
    applicationId: new Types.ObjectId(),
    hirerId: 'hirer-1',
    workerId: 'worker-1',
    title: 'Shop',
    terms: 'as agreed',
    total: usd(milestones.reduce((a, m) => a + m.amount.amountMinor, 0)),
    milestones,
    status,
    hireSlot: 'x:0',
    hirerSignedAt: now,
    workerSignedAt: now,
    activatedAt: now,
    completedAt: null,
    cancelledAt: null,
    cancellation: null,
    cancellationRequest: null,
    version: 3,
    settledVersion: 3,
    createdAt: now,
    updatedAt: now,
    outbox: [],
  }
}

const disputedMs = (over: Partial<MilestoneDoc> = {}) => {
  const m = milestone('disputed', over)
  return { ...m, dispute: { disputeId: `dp_${m.id}`, raisedBy: 'hirer-1', reason: 'late', at: now } }
}

function refund(c: ContractDoc, m: MilestoneDoc, over: Partial<EventData<'RefundIssued'>> = {}) {
  return createEvent(
    'RefundIssued',
    {
      contractId: String(c._id),
      milestoneId: m.id,
      hirerId: 'hirer-1',
      escrowId: 'es_1',
      amount: m.amount,
      reason: 'contract_cancelled',
      partial: false,
      refundId: 're_1',
      ...over,
    },
    { producer: 'payment' },
  )
}

function resolved(
  c: ContractDoc,
  m: MilestoneDoc,
  outcome: 'release' | 'refund' | 'split',
  disputeId?: string,
) {
  return createEvent(
    'DisputeResolved',
    {
      disputeId: disputeId ?? `dp_${m.id}`,
      contractId: String(c._id),
      milestoneId: m.id,
      hirerId: 'hirer-1',
      workerId: 'worker-1',
      outcome,
      workerAmount: usd(outcome === 'refund' ? 0 : 5000),
      refundAmount: usd(outcome === 'release' ? 0 : 5000),
      resolvedBy: 'admin-1',
    },
    { producer: 'payment' },
  )
}

function released(c: ContractDoc, m: MilestoneDoc, grossMinor = m.amount.amountMinor) {
  const fee = Math.floor(grossMinor / 10)
  return createEvent(
    'PaymentReleased',
    {
      contractId: String(c._id),
      milestoneId: m.id,
      workerId: 'worker-1',
      amount: usd(grossMinor - fee),
      platformFee: usd(fee),
    },
    { producer: 'payment' },
  )
}

t.test('refunded is final and reached from every escrowed status', async (t) => {
  for (const s of MILESTONE_STATUSES) {
    t.equal(
      canMilestoneTransition(s, 'refunded'),
      ['funded', 'submitted', 'revision_requested', 'approved', 'disputed'].includes(s),
      `${s} → refunded`,
    )
    t.notOk(canMilestoneTransition('refunded', s), `refunded → ${s}`)
  }
  t.equal(paymentFactOutcome('refunded', 'refunded'), 'noop')
  t.equal(paymentFactOutcome('refunded', 'funded'), 'noop', 'a late EscrowFunded')
  t.equal(paymentFactOutcome('pending', 'refunded'), 'reject', 'nothing in escrow')
  t.equal(paymentFactOutcome('released', 'refunded'), 'reject', 'the worker has the money')
  t.equal(paymentFactOutcome('refunded', 'released'), 'reject', 'the hirer has the money')
  t.equal(paymentFactOutcome('refunded', 'disputed'), 'reject')
})

t.test('disputeResolutionOutcome and partialRefundOutcome', async (t) => {
  t.equal(disputeResolutionOutcome('disputed', 'refund'), 'apply')
  t.equal(disputeResolutionOutcome('disputed', 'release'), 'record')
  t.equal(disputeResolutionOutcome('disputed', 'split'), 'record')
  t.equal(disputeResolutionOutcome('released', 'release'), 'noop', 'PaymentReleased came first')
  t.equal(disputeResolutionOutcome('refunded', 'refund'), 'noop', 'RefundIssued came first')
  t.equal(disputeResolutionOutcome('submitted', 'refund'), 'reject', 'no dispute recorded')
  t.equal(partialRefundOutcome('disputed'), 'record')
  t.equal(partialRefundOutcome('released'), 'record')
  t.equal(partialRefundOutcome('funded'), 'reject')
  t.equal(partialRefundOutcome('refunded'), 'reject')
})

t.test('a whole RefundIssued refunds an escrowed milestone, on a cancelled contract too', async (t) => {
  for (const status of ['funded', 'submitted', 'revision_requested', 'approved'] as const) {
    const m = milestone(status)
    const c = contract('cancelled', [m])
    t.match(paymentFactChange(c, refund(c, m), now, ctx), {
      set: {
        milestones: [
          {
            status: 'refunded',
            refundedAt: now,
            refund: { amount: usd(10_000), partial: false, reason: 'contract_cancelled', refundId: 're_1' },
          },
        ],
      },
    })
  }
  const m = milestone('funded')
  const c = contract('cancelled', [m])
  const decision = paymentFactChange(c, refund(c, m), now, ctx)
  t.notOk(decision?.set?.status, 'a cancelled contract stays cancelled')
  t.notOk(decision?.events?.length, 'no event')
  const done = contract('cancelled', [milestone('refunded', { refund: null })])
  t.equal(
    paymentFactChange(done, refund(done, done.milestones[0]!), now, ctx)?.set?.milestones !== undefined,
    true,
    'a refund record is added once to a milestone refunded by its resolution',
  )
  const recorded = contract('cancelled', [
    milestone('refunded', {
      refund: {
        amount: usd(10_000),
        partial: false,
        reason: 'contract_cancelled',
        refundId: 're_1',
        at: now,
      },
    }),
  ])
  t.equal(paymentFactChange(recorded, refund(recorded, recorded.milestones[0]!), now, ctx), null, 'a repeat')
})

t.test('a whole RefundIssued that contradicts the milestone is dead-lettered', async (t) => {
  const p = milestone('pending')
  const pc = contract('active', [p])
  t.throws(() => paymentFactChange(pc, refund(pc, p), now, ctx), NonRetryableError, 'nothing funded')
  const r = milestone('released')
  const rc = contract('active', [r])
  t.throws(() => paymentFactChange(rc, refund(rc, r), now, ctx), NonRetryableError, 'already released')
  const f = milestone('funded')
  const fc = contract('active', [f])
  t.throws(
    () => paymentFactChange(fc, refund(fc, f, { amount: usd(9_999) }), now, ctx),
    NonRetryableError,
    'wrong amount',
  )
  const pend = contract('pending_signatures', [f])
  t.throws(() => paymentFactChange(pend, refund(pend, f), now, ctx), NonRetryableError, 'contract not signed')
})

t.test('a partial RefundIssued records the hirer part without moving the status, once', async (t) => {
  for (const [m, status] of [
    [disputedMs(), 'active'],
    [milestone('released'), 'completed'],
  ] as const) {
    const c = contract(status, [m])
    const part = refund(c, m, { partial: true, reason: 'dispute_resolved', amount: usd(4_000) })
    const decision = paymentFactChange(c, part, now, ctx)
    t.match(decision, {
      set: { milestones: [{ status: m.status, refund: { partial: true, amount: usd(4_000) } }] },
    })
    t.notOk(decision?.set?.status, `${m.status}: the contract status is untouched`)
    const after = contract(status, decision!.set!.milestones as MilestoneDoc[])
    t.equal(
      paymentFactChange(after, part, now, ctx),
      null,
      `${m.status}: the same partial refund again changes nothing`,
    )
    const other = refund(after, after.milestones[0]!, {
      partial: true,
      reason: 'dispute_resolved',
      amount: usd(3_000),
    })
    t.throws(() => paymentFactChange(after, other, now, ctx), NonRetryableError, 'a different second refund')
  }
  const d = disputedMs()
  const c = contract('active', [d])
  for (const amountMinor of [10_000, 20_000]) {
    t.throws(
      () => paymentFactChange(c, refund(c, d, { partial: true, amount: usd(amountMinor) }), now, ctx),
      NonRetryableError,
      `a partial refund of ${amountMinor} is not a part`,
    )
  }
  const f = milestone('funded')
  const fc = contract('active', [f])
  t.throws(
    () => paymentFactChange(fc, refund(fc, f, { partial: true, amount: usd(1) }), now, ctx),
    NonRetryableError,
  )
})

t.test('a split: the partial refund and the release in either order end released', async (t) => {
  const d = disputedMs()
  const c = contract('active', [d])
  const part = refund(c, d, { partial: true, reason: 'dispute_resolved', amount: usd(5_000) })
  const rel = released(c, d, 5_000)
  // refund first, then release
  const a = contract('active', paymentFactChange(c, part, now, ctx)!.set!.milestones as MilestoneDoc[])
  t.match(paymentFactChange(a, rel, now, ctx), {
    set: { status: 'completed', milestones: [{ status: 'released', refund: { partial: true } }] },
    events: [{ type: 'ContractCompleted' }],
  })
  // release first, then refund (the contract is completed by then)
  const b1 = paymentFactChange(c, rel, now, ctx)!
  t.equal(b1.set!.status, 'completed')
  const b = { ...contract('completed', b1.set!.milestones as MilestoneDoc[]), _id: c._id }
  t.match(paymentFactChange(b, part, now, ctx), {
    set: { milestones: [{ status: 'released', refund: { amount: usd(5_000) } }] },
  })
  t.throws(
    () => paymentFactChange(c, released(c, d, 12_000), now, ctx),
    NonRetryableError,
    'more than the escrow',
  )
  const f = milestone('approved')
  const fc = contract('active', [f])
  t.throws(
    () => paymentFactChange(fc, released(fc, f, 5_000), now, ctx),
    NonRetryableError,
    'part of an undisputed milestone',
  )
})

t.test('DisputeResolved: refund → refunded; release and split record the resolution', async (t) => {
  const d = disputedMs()
  const c = contract('active', [d, milestone('released')])
  t.match(paymentFactChange(c, resolved(c, d, 'refund'), now, ctx), {
    set: {
      status: 'completed',
      milestones: [
        { status: 'refunded', refundedAt: now, resolution: { disputeId: `dp_${d.id}`, outcome: 'refund' } },
        { status: 'released' },
      ],
    },
    events: [{ type: 'ContractCompleted' }],
  })
  for (const outcome of ['release', 'split'] as const) {
    const decision = paymentFactChange(c, resolved(c, d, outcome), now, ctx)
    t.match(decision, { set: { milestones: [{ status: 'disputed', resolution: { outcome } }] } })
    t.notOk(decision?.set?.status)
    const after = { ...c, milestones: decision!.set!.milestones as MilestoneDoc[] }
    t.equal(paymentFactChange(after, resolved(c, d, outcome), now, ctx), null, `${outcome} again: nothing`)
  }
  const settled = contract('active', [milestone('released')])
  t.equal(
    paymentFactChange(settled, resolved(settled, settled.milestones[0]!, 'release'), now, ctx),
    null,
    'past the fact',
  )
  const f = milestone('funded')
  const fc = contract('active', [f])
  t.throws(
    () => paymentFactChange(fc, resolved(fc, f, 'refund'), now, ctx),
    NonRetryableError,
    'never disputed here',
  )
  t.throws(
    () => paymentFactChange(c, resolved(c, d, 'refund', 'dp_other'), now, ctx),
    NonRetryableError,
    'another dispute',
  )
})

t.test(
  'an active contract whose milestones are all refunded stays active and can be cancelled at once',
  async (t) => {
    const d = disputedMs()
    const c = contract('active', [d, milestone('refunded')])
    const decision = paymentFactChange(c, resolved(c, d, 'refund'), now, ctx)!
    t.notOk(decision.set!.status, 'not completed: nothing was paid for')
    t.same(decision.events ?? [], [])
    const after = { ...c, milestones: decision.set!.milestones as MilestoneDoc[] }
    for (const party of ['hirer', 'worker'] as const) {
      t.same(
        decideCancellation(after, party),
        { kind: 'cancel', refundableMilestoneIds: [], mutual: false },
        party,
      )
    }
  },
)

t.test('a refunded milestone does not block a cancel; the escrowed others are refundable', async (t) => {
  const f = milestone('funded')
  const c = contract('active', [milestone('refunded'), f])
  t.same(decideCancellation(c, 'worker'), { kind: 'cancel', refundableMilestoneIds: [f.id], mutual: false })
  t.same(decideCancellation(c, 'hirer'), { kind: 'request' })
})
