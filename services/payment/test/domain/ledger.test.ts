import { money } from '@kelmah/contracts'
import t from 'tap'
import { splitFee } from '../../src/domain/fees.js'
import {
  accounts,
  balanceOf,
  checkTransfer,
  fundTransfer,
  InsufficientBalance,
  isLimited,
  LedgerRuleError,
  payoutPaidTransfer,
  payoutTransfer,
  payoutVoidTransfer,
  placeTransfer,
  refundPaidTransfer,
  refundTransfer,
  releaseTransfer,
  splitTransfer,
  type EscrowRef,
  type PostedTransfer,
  type TransferDraft,
} from '../../src/domain/ledger.js'

const cause = { type: 'event' as const, id: 'evt_1' }
const escrow: EscrowRef = {
  escrowId: 'esc_m1_1',
  contractId: 'c1',
  milestoneId: 'm1',
  hirerId: 'hirer1',
  workerId: 'worker1',
  amount: money(10_000, 'GHS'),
}
const payout = { payoutId: 'po_1', userId: 'worker1', amount: money(2_500, 'GHS') }
const fee = splitFee(escrow.amount, 1000).fee
const sumOf = (d: TransferDraft) => d.postings.reduce((s, p) => s + p.amountMinor, 0)

/** A draft with the given postings (the other fields do not matter to the rules). */
function draft(id: string, postings: TransferDraft['postings'], currency = 'GHS'): TransferDraft {
  return { id, kind: 'payout', currency, postings, parties: [], cause }
}

t.test('every builder drafts postings that sum to zero and pass checkTransfer', async (t) => {
  const split = splitFee(money(4_000, 'GHS'), 1000)
  const drafts: TransferDraft[] = [
    fundTransfer(escrow, cause),
    releaseTransfer(escrow, fee, cause),
    releaseTransfer(escrow, money(0, 'GHS'), cause, 'dsp_1'),
    releaseTransfer(escrow, escrow.amount, cause),
    refundTransfer(escrow, cause),
    refundTransfer(escrow, cause, 'dsp_1'),
    splitTransfer(escrow, money(4_000, 'GHS'), split.fee, cause, 'dsp_1'),
    splitTransfer(escrow, money(4_000, 'GHS'), money(0, 'GHS'), cause, 'dsp_1'),
    refundPaidTransfer(escrow, money(6_000, 'GHS'), cause),
    payoutTransfer(payout, cause),
    payoutPaidTransfer(payout, cause),
    payoutVoidTransfer(payout, cause),
  ]
  for (const d of drafts) {
    t.equal(sumOf(d), 0, `${d.kind} ${d.id} sums to zero`)
    t.ok(
      d.postings.every((p) => p.amountMinor !== 0),
      `${d.kind} ${d.id} has no zero leg`,
    )
    t.doesNotThrow(() => checkTransfer(d), `${d.kind} ${d.id} passes the rules`)
  }
})

t.test('builders derive deterministic ids from the business fact', async (t) => {
  t.equal(fundTransfer(escrow, cause).id, 'fund:esc_m1_1')
  t.equal(releaseTransfer(escrow, fee, cause).id, 'settle:esc_m1_1')
  t.equal(refundTransfer(escrow, cause).id, 'settle:esc_m1_1', 'a refund excludes a release by id')
  t.equal(splitTransfer(escrow, money(1, 'GHS'), money(0, 'GHS'), cause, 'd').id, 'settle:esc_m1_1')
  t.equal(refundPaidTransfer(escrow, escrow.amount, cause).id, 'refund-paid:esc_m1_1')
  t.equal(payoutTransfer(payout, cause).id, 'payout:po_1')
  t.equal(payoutPaidTransfer(payout, cause).id, 'payout-paid:po_1')
  t.equal(payoutVoidTransfer(payout, cause).id, 'payout-void:po_1')
})

t.test('a release moves the escrow to the wallet less the fee, and the fee to revenue', async (t) => {
  const d = releaseTransfer(escrow, fee, cause)
  t.same(d.postings, [
    { account: 'escrow:esc_m1_1', amountMinor: -10_000 },
    { account: 'wallet:worker1:GHS', amountMinor: 9_000 },
    { account: 'revenue:platform:GHS', amountMinor: 1_000 },
  ])
  t.same(
    releaseTransfer(escrow, money(0, 'GHS'), cause).postings.map((p) => p.account),
    ['escrow:esc_m1_1', 'wallet:worker1:GHS'],
    'a zero fee is no posting',
  )
})

t.test(
  'a split sends the worker part (less fee) to the wallet and the rest to the refund account',
  async (t) => {
    const d = splitTransfer(escrow, money(4_000, 'GHS'), money(400, 'GHS'), cause, 'dsp_1')
    t.same(d.postings, [
      { account: 'escrow:esc_m1_1', amountMinor: -10_000 },
      { account: 'wallet:worker1:GHS', amountMinor: 3_600 },
      { account: 'revenue:platform:GHS', amountMinor: 400 },
      { account: 'refund:esc_m1_1', amountMinor: 6_000 },
    ])
    t.equal(d.disputeId, 'dsp_1')
  },
)

t.test('splitTransfer refuses a worker part outside (0, amount)', async (t) => {
  for (const gross of [0, 10_000, 10_001]) {
    t.throws(
      () => splitTransfer(escrow, { amountMinor: gross, currency: 'GHS' }, money(0, 'GHS'), cause, 'd'),
      LedgerRuleError,
      `${gross}`,
    )
  }
  t.throws(
    () => splitTransfer(escrow, { amountMinor: -1, currency: 'GHS' }, money(0, 'GHS'), cause, 'd'),
    LedgerRuleError,
  )
  t.doesNotThrow(() => splitTransfer(escrow, money(1, 'GHS'), money(0, 'GHS'), cause, 'd'))
  t.doesNotThrow(() => splitTransfer(escrow, money(9_999, 'GHS'), money(0, 'GHS'), cause, 'd'))
})

t.test('checkTransfer refuses malformed transfers', async (t) => {
  const c = 'stripe:clearing:GHS'
  t.throws(() => checkTransfer(draft('one', [{ account: c, amountMinor: 0 }])), LedgerRuleError, 'one leg')
  t.throws(() => checkTransfer(draft('none', [])), LedgerRuleError, 'no legs')
  t.throws(
    () =>
      checkTransfer(
        draft('zero', [
          { account: c, amountMinor: 0 },
          { account: 'escrow:e', amountMinor: 0 },
        ]),
      ),
    { name: 'LedgerRuleError', message: /not a non-zero integer/ },
    'zero legs',
  )
  t.throws(
    () =>
      checkTransfer(
        draft('frac', [
          { account: c, amountMinor: -1.5 },
          { account: 'escrow:e', amountMinor: 1.5 },
        ]),
      ),
    { name: 'LedgerRuleError', message: /not a non-zero integer/ },
    'fractional legs',
  )
  t.throws(
    () =>
      checkTransfer(
        draft('unbalanced', [
          { account: c, amountMinor: -100 },
          { account: 'escrow:e', amountMinor: 99 },
        ]),
      ),
    { name: 'LedgerRuleError', message: /sum to -1/ },
    'unbalanced',
  )
  t.throws(
    () =>
      checkTransfer(
        draft('dup', [
          { account: 'escrow:e', amountMinor: -100 },
          { account: 'escrow:e', amountMinor: 100 },
        ]),
      ),
    { name: 'LedgerRuleError', message: /posted twice/ },
    'an account twice',
  )
  t.throws(
    () =>
      checkTransfer(
        draft('two-debits', [
          { account: 'wallet:w:GHS', amountMinor: -100 },
          { account: 'escrow:e', amountMinor: -100 },
          { account: c, amountMinor: 200 },
        ]),
      ),
    { name: 'LedgerRuleError', message: /debits two limited accounts/ },
    'two limited debits',
  )
  t.throws(
    () =>
      checkTransfer(
        draft(
          'cur',
          [
            { account: 'stripe:clearing:XYZ', amountMinor: -100 },
            { account: 'escrow:e', amountMinor: 100 },
          ],
          'XYZ',
        ),
      ),
    { name: 'LedgerRuleError', message: /unknown currency XYZ/ },
    'unknown currency',
  )
})

t.test('checkTransfer returns the one limited account debited, or null', async (t) => {
  t.equal(checkTransfer(fundTransfer(escrow, cause)), null, 'a funding debits only the Stripe boundary')
  t.equal(checkTransfer(releaseTransfer(escrow, fee, cause)), 'escrow:esc_m1_1')
  t.equal(checkTransfer(payoutTransfer(payout, cause)), 'wallet:worker1:GHS')
  t.equal(checkTransfer(payoutPaidTransfer(payout, cause)), 'payout:po_1')
})

t.test('isLimited: every account but the stripe: boundary', async (t) => {
  t.notOk(isLimited(accounts.clearing('GHS')))
  t.notOk(isLimited(accounts.payouts('GHS')))
  for (const a of [
    accounts.escrow('e'),
    accounts.refund('e'),
    accounts.wallet('u', 'GHS'),
    accounts.revenue('GHS'),
    accounts.payout('p'),
  ])
    t.ok(isLimited(a), a)
})

t.test('placeTransfer gives a transfer debiting no limited account the free slot free:<id>', async (t) => {
  const placed = placeTransfer(fundTransfer(escrow, cause), [])
  t.match(placed, {
    id: 'fund:esc_m1_1',
    debitAccount: null,
    debitSeq: 0,
    slot: 'free:fund:esc_m1_1',
    accounts: ['stripe:clearing:GHS', 'escrow:esc_m1_1'],
  })
})

t.test('placeTransfer takes the slot after the highest sequence of the debited account', async (t) => {
  const funded = placeTransfer(fundTransfer(escrow, cause), [])
  const released = placeTransfer(releaseTransfer(escrow, fee, cause), [funded])
  t.match(released, { debitAccount: 'escrow:esc_m1_1', debitSeq: 1, slot: 'escrow:esc_m1_1:1' })

  // The wallet now holds 9 000; payouts take wallet slots 1, 2, … in turn — the highest seq, not the count.
  const wallet = 'wallet:worker1:GHS'
  const history: PostedTransfer[] = [funded, released]
  const p1 = placeTransfer(payoutTransfer({ ...payout, payoutId: 'po_1' }, cause), history)
  t.equal(p1.slot, `${wallet}:1`)
  const gapped = { ...p1, id: 'payout:po_gap', debitSeq: 7, slot: `${wallet}:7` }
  const p2 = placeTransfer(
    payoutTransfer({ ...payout, payoutId: 'po_2', amount: money(100, 'GHS') }, cause),
    [...history, p1, gapped],
  )
  t.equal(p2.debitSeq, 8, 'after the highest seq in history')
  t.equal(p2.slot, `${wallet}:8`)
  // Another account's sequence does not count.
  const otherSeq = {
    ...p1,
    id: 'x',
    debitAccount: 'wallet:other:GHS',
    debitSeq: 50,
    slot: 'wallet:other:GHS:50',
  }
  t.equal(
    placeTransfer(payoutTransfer({ ...payout, payoutId: 'po_3' }, cause), [...history, otherSeq]).debitSeq,
    1,
  )
})

t.test('placeTransfer refuses a debit beyond the balance with InsufficientBalance', async (t) => {
  const funded = placeTransfer(fundTransfer(escrow, cause), [])
  const released = placeTransfer(releaseTransfer(escrow, fee, cause), [funded])
  const history = [funded, released]
  t.equal(balanceOf('wallet:worker1:GHS', history), 9_000)
  const tooMuch = payoutTransfer({ ...payout, amount: money(9_001, 'GHS') }, cause)
  const err = t.throws(() => placeTransfer(tooMuch, history)) as InsufficientBalance
  t.ok(err instanceof InsufficientBalance)
  t.match(err, { account: 'wallet:worker1:GHS', balanceMinor: 9_000, requestedMinor: 9_001 })
  t.match(err.message, /9000.*9001/)
  t.doesNotThrow(() =>
    placeTransfer(payoutTransfer({ ...payout, amount: money(9_000, 'GHS') }, cause), history),
  )
  t.throws(
    () => placeTransfer(releaseTransfer(escrow, fee, cause), []),
    InsufficientBalance,
    'an unfunded escrow',
  )
  t.throws(
    () => placeTransfer(draft('bad', [{ account: 'escrow:e', amountMinor: 1 }]), []),
    LedgerRuleError,
    'and runs the rules first',
  )
})

t.test('balanceOf sums credits minus debits of one account', async (t) => {
  const funded = placeTransfer(fundTransfer(escrow, cause), [])
  const refunded = placeTransfer(refundTransfer(escrow, cause), [funded])
  const paid = placeTransfer(refundPaidTransfer(escrow, escrow.amount, cause), [refunded])
  const all = [funded, refunded, paid]
  t.equal(balanceOf('escrow:esc_m1_1', all), 0)
  t.equal(balanceOf('refund:esc_m1_1', all), 0)
  t.equal(balanceOf('refund:esc_m1_1', [funded, refunded]), 10_000)
  t.equal(balanceOf('stripe:clearing:GHS', all), 0, 'the money went back out where it came in')
  t.equal(balanceOf('nobody', all), 0)
})
