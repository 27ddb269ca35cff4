import { money, type Money } from '@kelmah/contracts'
import fc from 'fast-check'
import t from 'tap'
import { resolveAmounts } from '../../src/domain/disputes.js'
import { escrowId, nextAttempt, SETTLED_STATUS, type EscrowStatus } from '../../src/domain/escrow.js'
import { splitFee } from '../../src/domain/fees.js'
import { checkLedger, type EscrowFacts } from '../../src/domain/invariants.js'
import {
  accounts,
  balanceOf,
  checkTransfer,
  fundTransfer,
  InsufficientBalance,
  payoutPaidTransfer,
  payoutTransfer,
  payoutVoidTransfer,
  placeTransfer,
  refundPaidTransfer,
  refundTransfer,
  releaseTransfer,
  splitTransfer,
  type EscrowRef,
  type PayoutRef,
  type PostedTransfer,
  type TransferDraft,
} from '../../src/domain/ledger.js'

const cause = { type: 'event' as const, id: 'evt' }
const WORKERS = ['w0', 'w1', 'w2']
const CURRENCIES = ['GHS', 'USD']

/**
 * A ledger in memory built only from the domain's functions: `post` is what services/ledger.ts does
 * against the store — the id and the slot are unique keys, the history is every transfer touching
 * the debited account.
 */
class MemoryLedger {
  readonly transfers: PostedTransfer[] = []
  readonly #ids = new Set<string>()
  readonly #slots = new Set<string>()

  post(draft: TransferDraft): 'posted' | 'exists' | 'insufficient' {
    if (this.#ids.has(draft.id)) return 'exists'
    const debit = checkTransfer(draft)
    const history = debit ? this.transfers.filter((tr) => tr.accounts.includes(debit)) : []
    let placed: PostedTransfer
    try {
      placed = placeTransfer(draft, history)
    } catch (err) {
      if (err instanceof InsufficientBalance) return 'insufficient'
      throw err
    }
    // A taken slot would be a duplicate key in the store; here it can only be a domain bug.
    if (this.#slots.has(placed.slot)) throw new Error(`slot ${placed.slot} taken twice`)
    this.#slots.add(placed.slot)
    this.#ids.add(placed.id)
    this.transfers.push(placed)
    return 'posted'
  }

  balance(account: string): number {
    return balanceOf(account, this.transfers)
  }
}

interface MemEscrow extends EscrowFacts {
  ref: EscrowRef
  attempt: number
  status: EscrowStatus
  milestoneId: string
  /** What a settlement reserved for the Stripe Refund (refund or split). */
  refundMinor: number
}

/** The operations a random sequence is made of. */
type Op =
  | { op: 'open'; milestone: number; amountMinor: number; currency: string; worker: number }
  | { op: 'capture' | 'fail' | 'release' | 'refund' | 'refundPaid'; escrow: number }
  | { op: 'split'; escrow: number; workerMinor: number }
  | { op: 'payout'; worker: number; amountMinor: number; currency: string }
  | { op: 'payoutPaid' | 'payoutVoid'; payout: number }
  | { op: 'replay'; transfer: number }

const idx = fc.nat({ max: 15 })
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('open' as const),
      milestone: fc.nat({ max: 7 }),
      amountMinor: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 99_999_999 })),
      currency: fc.constantFrom(...CURRENCIES),
      worker: fc.nat({ max: WORKERS.length - 1 }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('capture' as const), escrow: idx }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('fail' as const), escrow: idx }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('release' as const), escrow: idx }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constantFrom('refund' as const, 'refundPaid' as const), escrow: idx }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('split' as const),
      escrow: idx,
      workerMinor: fc.integer({ min: 0, max: 99_999_999 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('payout' as const),
      worker: fc.nat({ max: WORKERS.length - 1 }),
      amountMinor: fc.integer({ min: 1, max: 99_999_999 }),
      currency: fc.constantFrom(...CURRENCIES),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constantFrom('payoutPaid' as const, 'payoutVoid' as const), payout: idx }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('replay' as const), transfer: fc.nat({ max: 100 }) }) },
)

/** Run `ops` against a fresh ledger; returns it, the escrows, and how often the rules said no. */
function run(ops: readonly Op[], bps: number) {
  const ledger = new MemoryLedger()
  const escrows: MemEscrow[] = []
  const payouts: PayoutRef[] = []
  const drafts: TransferDraft[] = []
  const stats = { posted: 0, exists: 0, insufficient: 0 }
  const post = (draft: TransferDraft) => {
    const r = ledger.post(draft)
    stats[r]++
    if (r === 'posted') drafts.push(draft)
    return r
  }
  const wallets = () => WORKERS.flatMap((w) => CURRENCIES.map((c) => ledger.balance(accounts.wallet(w, c))))
  for (const o of ops) {
    const e = 'escrow' in o ? escrows[o.escrow % Math.max(escrows.length, 1)] : undefined
    switch (o.op) {
      case 'open': {
        const milestoneId = `m${o.milestone}`
        let attempt: number
        try {
          attempt = nextAttempt(escrows.filter((x) => x.milestoneId === milestoneId).map((x) => ({ ...x })))
        } catch {
          break // MilestoneAlreadyFunded: the 409
        }
        const id = escrowId(milestoneId, attempt)
        const amount = money(o.amountMinor, o.currency)
        const ref: EscrowRef = {
          escrowId: id,
          contractId: 'c1',
          milestoneId,
          hirerId: 'h1',
          workerId: WORKERS[o.worker]!,
          amount,
        }
        escrows.push({ _id: id, status: 'pending', amount, ref, attempt, milestoneId, refundMinor: 0 })
        break
      }
      case 'capture':
        // The webhook funds a pending escrow only; the ledger posts `fund:` once whatever the status.
        if (e && e.status === 'pending' && post(fundTransfer(e.ref, cause)) === 'posted') e.status = 'funded'
        break
      case 'fail':
        if (e && e.status === 'pending') e.status = 'failed'
        break
      case 'release':
        if (e && post(releaseTransfer(e.ref, splitFee(e.ref.amount, bps).fee, cause)) === 'posted') {
          e.status = SETTLED_STATUS.release
        }
        break
      case 'refund':
        if (e && post(refundTransfer(e.ref, cause)) === 'posted') {
          e.status = SETTLED_STATUS.refund
          e.refundMinor = e.ref.amount.amountMinor
        }
        break
      case 'split': {
        if (!e) break
        let gross: Money
        let refund: Money
        try {
          ;({ workerGross: gross, refund } = resolveAmounts(
            e.ref.amount,
            'split',
            o.workerMinor % e.ref.amount.amountMinor,
          ))
        } catch {
          break // InvalidSplit: the 400
        }
        if (post(splitTransfer(e.ref, gross, splitFee(gross, bps).fee, cause, `dsp_${e._id}`)) === 'posted') {
          e.status = SETTLED_STATUS.split
          e.refundMinor = refund.amountMinor
        }
        break
      }
      case 'refundPaid':
        // Stripe refunded what the settlement reserved (the whole escrow before any settlement:
        // the balance limit refuses it).
        if (e)
          post(
            refundPaidTransfer(
              e.ref,
              money(e.refundMinor || e.ref.amount.amountMinor, e.ref.amount.currency),
              cause,
            ),
          )
        break
      case 'payout': {
        const p: PayoutRef = {
          payoutId: `po_${payouts.length + 1}`,
          userId: WORKERS[o.worker]!,
          amount: money(o.amountMinor, o.currency),
        }
        // Ask for at most the wallet three times in four, so payouts are not almost always refused.
        const available = ledger.balance(accounts.wallet(p.userId, o.currency))
        if (available > 0 && o.amountMinor % 4 !== 0)
          p.amount = money(1 + (o.amountMinor % available), o.currency)
        if (post(payoutTransfer(p, cause)) === 'posted') payouts.push(p)
        break
      }
      case 'payoutPaid':
      case 'payoutVoid': {
        const p = payouts[o.payout % Math.max(payouts.length, 1)]
        if (p) post(o.op === 'payoutPaid' ? payoutPaidTransfer(p, cause) : payoutVoidTransfer(p, cause))
        break
      }
      case 'replay': {
        const d = drafts[o.transfer % Math.max(drafts.length, 1)]
        if (d && ledger.post(d) !== 'exists') throw new Error(`replaying ${d.id} posted it again`)
        break
      }
    }
    if (wallets().some((b) => b < 0)) throw new Error('a wallet went negative')
  }
  return { ledger, escrows, stats }
}

t.test('random sequences of fund/release/refund/split/payout keep every invariant', async (t) => {
  const totals = { posted: 0, exists: 0, insufficient: 0, settled: 0, paidOut: 0 }
  fc.assert(
    fc.property(
      fc.array(opArb, { minLength: 20, maxLength: 150, size: 'max' }),
      fc.constantFrom(0, 1000, 2500, 10_000),
      (ops, bps) => {
        const { ledger, escrows, stats } = run(ops, bps)
        totals.posted += stats.posted
        totals.exists += stats.exists
        totals.insufficient += stats.insufficient
        totals.settled += escrows.filter((e) => e.status in { released: 1, refunded: 1, split: 1 }).length
        totals.paidOut += ledger.transfers.filter((x) => x.kind === 'payout_paid').length
        const report = checkLedger(ledger.transfers, escrows)
        if (!report.ok) throw new Error(`violations: ${JSON.stringify(report.violations)}`)
        for (const [currency, total] of Object.entries(report.totals)) {
          if (total !== 0) throw new Error(`${currency} sums to ${total}`)
        }
        for (const e of escrows) {
          const held = ledger.balance(accounts.escrow(e._id))
          const want = e.status === 'funded' ? e.amount.amountMinor : 0
          if (held !== want) throw new Error(`escrow ${e._id} (${e.status}) holds ${held}, not ${want}`)
          const settlements = ledger.transfers.filter((x) => x.id === `settle:${e._id}`).length
          if (settlements > 1) throw new Error(`escrow ${e._id} settled ${settlements} times`)
        }
        for (const x of ledger.transfers) {
          if (x.postings.reduce((s, p) => s + p.amountMinor, 0) !== 0) throw new Error(`${x.id} unbalanced`)
        }
      },
    ),
    { numRuns: 400 },
  )
  // The sequences must exercise the refusals, not only the happy path.
  t.ok(totals.posted > 1000, `posted ${totals.posted}`)
  t.ok(totals.exists > 50, `second settlements/replays refused by id: ${totals.exists}`)
  t.ok(totals.insufficient > 50, `debits refused by the balance limit: ${totals.insufficient}`)
  t.ok(totals.settled > 100, `settled escrows: ${totals.settled}`)
  t.ok(totals.paidOut > 20, `paid payouts: ${totals.paidOut}`)
})

t.test('a reserved refund or payout is not a violation but is reported as pending', async (t) => {
  const { ledger, escrows } = run(
    [
      { op: 'open', milestone: 0, amountMinor: 10_000, currency: 'GHS', worker: 0 },
      { op: 'open', milestone: 1, amountMinor: 5_000, currency: 'GHS', worker: 0 },
      { op: 'capture', escrow: 0 },
      { op: 'capture', escrow: 1 },
      { op: 'split', escrow: 0, workerMinor: 4_000 },
      { op: 'release', escrow: 1 },
      { op: 'payout', worker: 0, amountMinor: 1_000, currency: 'GHS' },
    ],
    1000,
  )
  const report = checkLedger(ledger.transfers, escrows)
  t.equal(report.ok, true, JSON.stringify(report.violations))
  t.same(report.pending, { 'refund:esc_m0_1': 6_000, 'payout:po_1': 1_000 })
  t.same(report.totals, { GHS: 0 })
  t.equal(report.transfers, 5)
  t.equal(ledger.balance('wallet:w0:GHS'), 3_600 + 4_500 - 1_000)
  t.equal(ledger.balance('revenue:platform:GHS'), 400 + 500)
})

/** A posted transfer built by hand, bypassing the rules (what a bug or a manual edit would store). */
function raw(
  id: string,
  kind: PostedTransfer['kind'],
  postings: PostedTransfer['postings'],
  extra: Partial<PostedTransfer> = {},
): PostedTransfer {
  return {
    id,
    kind,
    currency: 'GHS',
    postings,
    parties: [],
    cause,
    accounts: postings.map((p) => p.account),
    debitAccount: null,
    debitSeq: 0,
    slot: `free:${id}`,
    ...extra,
  }
}

const esc = (id: string, status: string, amountMinor = 1_000): EscrowFacts => ({
  _id: id,
  status,
  amount: { amountMinor, currency: 'GHS' },
})
const fund = (id: string, amountMinor = 1_000) =>
  raw(
    `fund:${id}`,
    'fund',
    [
      { account: 'stripe:clearing:GHS', amountMinor: -amountMinor },
      { account: `escrow:${id}`, amountMinor },
    ],
    { escrowId: id },
  )
const release = (id: string, amountMinor = 1_000, seq = 1) =>
  raw(
    `settle:${id}`,
    'release',
    [
      { account: `escrow:${id}`, amountMinor: -amountMinor },
      { account: 'wallet:w:GHS', amountMinor },
    ],
    { escrowId: id, debitAccount: `escrow:${id}`, debitSeq: seq, slot: `escrow:${id}:${seq}` },
  )

t.test('checkLedger catches a hand-broken ledger', async (t) => {
  t.test('a consistent hand-made ledger is ok', async (t) => {
    t.same(checkLedger([fund('e1'), release('e1')], [esc('e1', 'released')]).violations, [])
  })

  t.test('an unbalanced transfer (and its currency)', async (t) => {
    const bad = raw(
      'fund:e1',
      'fund',
      [
        { account: 'stripe:clearing:GHS', amountMinor: -1_000 },
        { account: 'escrow:e1', amountMinor: 999 },
      ],
      { escrowId: 'e1' },
    )
    const r = checkLedger([bad], [esc('e1', 'funded', 999)])
    t.equal(r.ok, false)
    t.match(r.violations, [
      { rule: 'transfer_unbalanced', detail: /fund:e1 sums to -1/ },
      { rule: 'currency_unbalanced', detail: /GHS postings sum to -1/ },
    ])
    t.same(r.totals, { GHS: -1 })
  })

  t.test('a negative wallet', async (t) => {
    const overdrawn = raw(
      'payout:p1',
      'payout',
      [
        { account: 'wallet:w:GHS', amountMinor: -500 },
        { account: 'payout:p1', amountMinor: 500 },
      ],
      { debitAccount: 'wallet:w:GHS', debitSeq: 1, slot: 'wallet:w:GHS:1' },
    )
    const r = checkLedger([overdrawn], [])
    t.equal(r.ok, false)
    t.match(r.violations, [{ rule: 'negative_balance', detail: 'wallet:w:GHS is at -500' }])
    t.same(r.pending, { 'payout:p1': 500 }, 'the reserve itself is still reported')
  })

  t.test('an escrow settled twice', async (t) => {
    const r = checkLedger(
      [fund('e1'), release('e1', 1_000, 1), release('e1', 1_000, 2)],
      [esc('e1', 'released')],
    )
    t.equal(r.ok, false)
    t.match(r.violations, [
      { rule: 'negative_balance', detail: 'escrow:e1 is at -1000' },
      { rule: 'escrow', detail: 'escrow e1 was settled 2 times' },
    ])
  })

  t.test('a funded escrow without a fund transfer', async (t) => {
    const r = checkLedger([], [esc('e1', 'funded')])
    t.equal(r.ok, false)
    t.match(r.violations, [{ rule: 'escrow', detail: 'escrow e1 is funded but was never funded' }])
  })

  t.test('a slot taken twice', async (t) => {
    const p = (id: string) =>
      raw(
        `payout:${id}`,
        'payout',
        [
          { account: 'wallet:w:GHS', amountMinor: -100 },
          { account: `payout:${id}`, amountMinor: 100 },
        ],
        { debitAccount: 'wallet:w:GHS', debitSeq: 1, slot: 'wallet:w:GHS:2' },
      )
    const r = checkLedger([fund('e1'), release('e1'), p('a'), p('b')], [esc('e1', 'released')])
    t.match(r.violations, [{ rule: 'slot', detail: 'slot wallet:w:GHS:2 is taken twice' }])
  })

  t.test('an escrow holding part of its amount, and a settled escrow still holding money', async (t) => {
    const r = checkLedger([fund('e1', 600)], [esc('e1', 'funded')])
    t.match(r.violations, [
      { rule: 'escrow', detail: 'escrow e1 holds 600 of 1000' },
      { rule: 'escrow', detail: 'escrow e1 is funded but holds 600' },
    ])
    const settledHolding = checkLedger([fund('e2')], [esc('e2', 'released')])
    t.match(settledHolding.violations, [
      { rule: 'escrow', detail: 'escrow e2 is released with 0 settlements and 1000 held' },
    ])
  })

  t.test('a pending or failed escrow whose payment was funded, and a funding of no escrow', async (t) => {
    t.match(checkLedger([fund('e1')], [esc('e1', 'pending')]).violations, [
      { rule: 'escrow', detail: 'escrow e1 is pending but its payment was funded' },
    ])
    t.match(checkLedger([fund('e1')], [esc('e1', 'failed')]).violations, [
      { rule: 'escrow', detail: 'escrow e1 is failed but its payment was funded' },
    ])
    t.match(checkLedger([fund('ghost')], []).violations, [
      { rule: 'escrow', detail: 'fund:ghost names no escrow' },
    ])
  })

  t.test(
    'a status that lags its settlement (a crash between the two writes) is not a violation',
    async (t) => {
      t.same(checkLedger([fund('e1'), release('e1')], [esc('e1', 'funded')]).violations, [])
    },
  )
})

t.test('checkLedger compares a settled status with the kind of its settlement', async (t) => {
  const refunded = raw(
    'settle:e1',
    'refund',
    [
      { account: 'escrow:e1', amountMinor: -1_000 },
      { account: 'refund:e1', amountMinor: 1_000 },
    ],
    { escrowId: 'e1', debitAccount: 'escrow:e1', debitSeq: 1, slot: 'escrow:e1:1' },
  )
  const r = checkLedger([fund('e1'), refunded], [esc('e1', 'released')])
  t.equal(r.ok, false, 'an escrow marked released whose settlement was a refund is a violation')
})

t.test(
  'checkTransfer refuses legs beyond the money ceiling, which could round a sum in doubles',
  async (t) => {
    // These legs sum to 1 exactly (BigInt) but to 0 in doubles; each is beyond the ceiling, so refused.
    const M = Number.MAX_SAFE_INTEGER
    const postings = [
      { account: 'wallet:a:GHS', amountMinor: M },
      { account: 'wallet:b:GHS', amountMinor: M },
      { account: 'wallet:c:GHS', amountMinor: 2 },
      { account: 'stripe:clearing:GHS', amountMinor: -M },
      { account: 'stripe:payouts:GHS', amountMinor: -M },
      { account: 'escrow:e', amountMinor: -1 },
    ]
    t.equal(
      postings.reduce((s, p) => s + BigInt(p.amountMinor), 0n),
      1n,
      'the legs really sum to 1',
    )
    t.throws(
      () => checkTransfer({ id: 'huge', kind: 'payout', currency: 'GHS', postings, parties: [], cause }),
      { name: 'LedgerRuleError' },
      'an unbalanced transfer is refused',
    )
  },
)
