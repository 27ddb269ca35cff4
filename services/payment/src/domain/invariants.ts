/**
 * The ledger's invariants, checked over everything it holds (`npm run ledger:check`, admin
 * `GET /api/payments/ledger/check`):
 *
 * 1. every transfer's postings sum to zero, and per currency all postings sum to zero;
 * 2. no limited account (`ledger.ts#isLimited`: escrow, refund, wallet, revenue, payout) is below
 *    zero;
 * 3. every funded escrow is released, refunded, or still held — exactly once: an escrow account
 *    holds either its full amount (no settlement yet) or nothing (exactly one `settle:` transfer),
 *    and an escrow's status agrees with its transfers;
 * 4. no two transfers share a debit slot (the unique index makes this a check of the index).
 *
 * Money in flight — a refund reserved but not yet paid by Stripe, a payout reserved but not yet
 * transferred — is not a violation; it is reported in `pending` so an operator can see it.
 *
 * Pure: no I/O.
 */
import { SETTLED_STATUS } from './escrow.js'
import { accounts, isLimited, type PostedTransfer } from './ledger.js'

/** The escrow facts the check needs. */
export interface EscrowFacts {
  _id: string
  status: string
  amount: { amountMinor: number; currency: string }
}

/** One broken invariant. */
export interface Violation {
  rule: 'transfer_unbalanced' | 'currency_unbalanced' | 'negative_balance' | 'escrow' | 'slot'
  detail: string
}

/** What the check found. */
export interface LedgerReport {
  ok: boolean
  transfers: number
  accounts: number
  /** Per currency: the sum of all postings (0 when balanced). */
  totals: Record<string, number>
  violations: Violation[]
  /** Refunds and payouts reserved but not yet confirmed by Stripe: account → minor units. */
  pending: Record<string, number>
}

/** Escrow statuses whose escrow account must still hold the whole amount. */
const HELD = new Set(['funded'])
/** Escrow statuses whose escrow account must be empty with exactly one settlement. */
const SETTLED = new Set(['released', 'refunded', 'split'])

/** Check every invariant (module header) over all `transfers` and `escrows`. */
export function checkLedger(
  transfers: readonly PostedTransfer[],
  escrows: readonly EscrowFacts[],
): LedgerReport {
  const violations: Violation[] = []
  const totals: Record<string, number> = {}
  const balances = new Map<string, number>()
  const slots = new Set<string>()
  const settlements = new Map<string, number>()
  const settledAs = new Map<string, string>()
  const funded = new Set<string>()
  for (const t of transfers) {
    let sum = 0
    for (const p of t.postings) {
      sum += p.amountMinor
      totals[t.currency] = (totals[t.currency] ?? 0) + p.amountMinor
      balances.set(p.account, (balances.get(p.account) ?? 0) + p.amountMinor)
    }
    if (sum !== 0) violations.push({ rule: 'transfer_unbalanced', detail: `${t.id} sums to ${sum}` })
    if (slots.has(t.slot)) violations.push({ rule: 'slot', detail: `slot ${t.slot} is taken twice` })
    slots.add(t.slot)
    if (t.escrowId && t.id.startsWith('settle:')) {
      settlements.set(t.escrowId, (settlements.get(t.escrowId) ?? 0) + 1)
      settledAs.set(t.escrowId, t.kind)
    }
    if (t.escrowId && t.kind === 'fund') funded.add(t.escrowId)
  }
  for (const [currency, total] of Object.entries(totals)) {
    if (total !== 0) {
      violations.push({ rule: 'currency_unbalanced', detail: `${currency} postings sum to ${total}` })
    }
  }
  const pending: Record<string, number> = {}
  for (const [account, balance] of balances) {
    if (isLimited(account) && balance < 0) {
      violations.push({ rule: 'negative_balance', detail: `${account} is at ${balance}` })
    }
    if ((account.startsWith('refund:') || account.startsWith('payout:')) && balance > 0) {
      pending[account] = balance
    }
  }
  for (const e of escrows) {
    const id = String(e._id)
    const held = balances.get(accounts.escrow(id)) ?? 0
    const settled = settlements.get(id) ?? 0
    if (settled > 1) violations.push({ rule: 'escrow', detail: `escrow ${id} was settled ${settled} times` })
    if (held !== 0 && held !== e.amount.amountMinor) {
      violations.push({ rule: 'escrow', detail: `escrow ${id} holds ${held} of ${e.amount.amountMinor}` })
    }
    if (HELD.has(e.status) && !funded.has(id)) {
      violations.push({ rule: 'escrow', detail: `escrow ${id} is ${e.status} but was never funded` })
    }
    if (HELD.has(e.status) && settled === 0 && held !== e.amount.amountMinor) {
      violations.push({ rule: 'escrow', detail: `escrow ${id} is ${e.status} but holds ${held}` })
    }
    if (SETTLED.has(e.status) && (settled !== 1 || held !== 0)) {
      violations.push({
        rule: 'escrow',
        detail: `escrow ${id} is ${e.status} with ${settled} settlements and ${held} held`,
      })
    }
    const kind = settledAs.get(id)
    const expected = kind ? SETTLED_STATUS[kind as keyof typeof SETTLED_STATUS] : undefined
    if (SETTLED.has(e.status) && expected && expected !== e.status) {
      violations.push({ rule: 'escrow', detail: `escrow ${id} is ${e.status} but was settled as a ${kind}` })
    }
    if ((e.status === 'pending' || e.status === 'failed') && (funded.has(id) || held !== 0)) {
      violations.push({ rule: 'escrow', detail: `escrow ${id} is ${e.status} but its payment was funded` })
    }
  }
  const known = new Set(escrows.map((e) => String(e._id)))
  for (const id of funded) {
    if (!known.has(id)) {
      violations.push({ rule: 'escrow', detail: `fund:${id} names no escrow` })
    }
  }
  return {
    ok: violations.length === 0,
    transfers: transfers.length,
    accounts: balances.size,
    totals,
    violations,
    pending,
  }
}
