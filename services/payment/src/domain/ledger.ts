/**
 * The ledger's rules: accounts, transfers and their postings, balances — pure, after
 * TigerBeetle's model (debits = credits in every transfer, balance limits on accounts, idempotent
 * transfer ids, two-phase holds), adapted to a document store with unique-insert commit points.
 *
 * **Accounts** are strings, one per holder and purpose:
 *
 * | account | holds | limited |
 * | --- | --- | --- |
 * | `stripe:clearing:<CUR>` | the platform's Stripe balance (the outside world: goes negative as money comes in) | no |
 * | `stripe:payouts:<CUR>` | money sent on to Connect accounts by Stripe Transfers | no |
 * | `escrow:<escrowId>` | one milestone's funded escrow (the pending phase of a two-phase transfer) | yes |
 * | `refund:<escrowId>` | escrow on its way back to the card (reserved before Stripe is called) | yes |
 * | `wallet:<userId>:<CUR>` | a worker's earnings, available for payout | yes |
 * | `revenue:platform:<CUR>` | platform fees | yes |
 * | `payout:<payoutId>` | a payout reserved before the Stripe Transfer | yes |
 *
 * **Transfers**: one document per business fact, with a deterministic id (`fund:<escrowId>`,
 * `settle:<escrowId>`, `refund-paid:<escrowId>`, `payout:<payoutId>`, …) — the same fact can
 * never post twice — and postings that sum to zero. A posting's amount is signed: positive
 * credits the account, negative debits it. A limited account's balance (credits − debits) must
 * never go below zero (TigerBeetle's `debits_must_not_exceed_credits`); an unlimited one is the
 * boundary to Stripe.
 *
 * **Commit point**: a transfer that debits a limited account takes that account's next debit
 * slot, `<account>:<sequence>`, held by a unique index. Two writers that read the same balance
 * race for the same slot; one insert wins, the loser re-reads and decides again. Credits need no
 * slot (they can only raise a balance), so every transfer debits at most one limited account.
 * Escrow is two-phase: `fund` credits the escrow account (pending), `settle` debits it exactly
 * once (posted to the worker, or voided back toward the hirer), both ids derived from the escrow.
 *
 * Pure: no I/O. Errors: {@link LedgerRuleError} (a malformed transfer: a bug), and
 * {@link InsufficientBalance} (a debit beyond a balance: the caller's 409).
 */
import { isCurrency, MONEY_CEILING_MINOR, type Money } from '@kelmah/contracts'

/** What a transfer records. */
export const TRANSFER_KINDS = [
  'fund',
  'release',
  'refund',
  'split',
  'refund_paid',
  'payout',
  'payout_paid',
  'payout_void',
] as const
/** A transfer's kind. */
export type TransferKind = (typeof TRANSFER_KINDS)[number]

/** One leg of a transfer: positive credits `account`, negative debits it (minor units). */
export interface Posting {
  account: string
  amountMinor: number
}

/** What caused a transfer: an event, a Stripe webhook event, or an API request. */
export interface TransferCause {
  type: 'event' | 'webhook' | 'request'
  /** The event id, the Stripe event id, or the request's idempotency record id. */
  id: string
}

/** A transfer as decided, before it takes a slot. */
export interface TransferDraft {
  /** Deterministic id: the business fact (`fund:<escrowId>`). */
  id: string
  kind: TransferKind
  currency: string
  postings: Posting[]
  /**
   * User ids whose transaction history (`GET /api/wallet/transactions`) lists this transfer: the
   * hirer for a funding and a paid refund, the worker for a release, a split and their payouts.
   */
  parties: string[]
  cause: TransferCause
  contractId?: string
  milestoneId?: string
  escrowId?: string
  payoutId?: string
  disputeId?: string
}

/** A posted transfer: the draft plus its debit slot (when it debits a limited account). */
export interface PostedTransfer extends TransferDraft {
  /** Every account the postings touch (indexed: an account's history is one equality query). */
  accounts: string[]
  /** The limited account this transfer debits, or null. */
  debitAccount: string | null
  /** That account's debit sequence number (1, 2, …), or 0. */
  debitSeq: number
  /** `<debitAccount>:<debitSeq>`, or `free:<id>` for a transfer debiting no limited account; unique. */
  slot: string
}

/** A malformed transfer (postings not summing to zero, a zero leg, two limited debits…): a bug. */
export class LedgerRuleError extends Error {
  override name = 'LedgerRuleError'
}

/** A debit beyond a limited account's balance. */
export class InsufficientBalance extends Error {
  override name = 'InsufficientBalance'
  readonly account: string
  readonly balanceMinor: number
  readonly requestedMinor: number
  constructor(account: string, balanceMinor: number, requestedMinor: number) {
    super(`${account} holds ${balanceMinor} minor units; ${requestedMinor} were asked for`)
    this.account = account
    this.balanceMinor = balanceMinor
    this.requestedMinor = requestedMinor
  }
}

/** Account ids (module header table). */
export const accounts = {
  clearing: (currency: string) => `stripe:clearing:${currency}`,
  payouts: (currency: string) => `stripe:payouts:${currency}`,
  escrow: (escrowId: string) => `escrow:${escrowId}`,
  refund: (escrowId: string) => `refund:${escrowId}`,
  wallet: (userId: string, currency: string) => `wallet:${userId}:${currency}`,
  revenue: (currency: string) => `revenue:platform:${currency}`,
  payout: (payoutId: string) => `payout:${payoutId}`,
} as const

/** True for accounts whose balance may not go below zero (all but the `stripe:` boundary). */
export function isLimited(account: string): boolean {
  return !account.startsWith('stripe:')
}

/**
 * Check a draft against the ledger's rules.
 *
 * @returns the limited account it debits, or null
 * @throws LedgerRuleError when it has fewer than two postings, a posting that is zero, not an
 *   integer or beyond the money ceiling (`@kelmah/contracts` money.ts), an account twice, postings that do not sum to zero, a currency off the
 *   allow-list, or debits of more than one limited account
 */
export function checkTransfer(draft: TransferDraft): string | null {
  if (!isCurrency(draft.currency))
    throw new LedgerRuleError(`${draft.id}: unknown currency ${draft.currency}`)
  if (draft.postings.length < 2) throw new LedgerRuleError(`${draft.id}: a transfer needs two postings`)
  const seen = new Set<string>()
  let sum = 0
  const limitedDebits: string[] = []
  for (const p of draft.postings) {
    // Each leg is at most one amount's ceiling, so the sum of a handful stays exact in doubles.
    if (
      !Number.isSafeInteger(p.amountMinor) ||
      p.amountMinor === 0 ||
      Math.abs(p.amountMinor) > MONEY_CEILING_MINOR
    ) {
      throw new LedgerRuleError(
        `${draft.id}: posting ${p.account} of ${p.amountMinor} is not a non-zero integer within the money ceiling`,
      )
    }
    if (seen.has(p.account)) throw new LedgerRuleError(`${draft.id}: account ${p.account} posted twice`)
    seen.add(p.account)
    sum += p.amountMinor
    if (p.amountMinor < 0 && isLimited(p.account)) limitedDebits.push(p.account)
  }
  if (sum !== 0) throw new LedgerRuleError(`${draft.id}: postings sum to ${sum}, not zero`)
  if (limitedDebits.length > 1) {
    throw new LedgerRuleError(`${draft.id}: debits two limited accounts (${limitedDebits.join(', ')})`)
  }
  return limitedDebits[0] ?? null
}

/** The balance of `account` (credits − debits, minor units) over `transfers`. */
export function balanceOf(account: string, transfers: readonly Pick<TransferDraft, 'postings'>[]): number {
  let balance = 0
  for (const t of transfers) for (const p of t.postings) if (p.account === account) balance += p.amountMinor
  return balance
}

/**
 * Place a draft on the ledger as it stands: check it, and when it debits a limited account,
 * check that account's balance over `history` (every transfer touching it) and take the next
 * debit slot.
 *
 * @param history - the transfers touching the debited account, as read just before
 * @throws LedgerRuleError as {@link checkTransfer}; InsufficientBalance when the debit exceeds
 *   the balance
 */
export function placeTransfer(draft: TransferDraft, history: readonly PostedTransfer[]): PostedTransfer {
  const debitAccount = checkTransfer(draft)
  const accountsTouched = draft.postings.map((p) => p.account)
  if (debitAccount === null) {
    return { ...draft, accounts: accountsTouched, debitAccount: null, debitSeq: 0, slot: `free:${draft.id}` }
  }
  const debit = -(draft.postings.find((p) => p.account === debitAccount)?.amountMinor ?? 0)
  const balance = balanceOf(debitAccount, history)
  if (balance < debit) throw new InsufficientBalance(debitAccount, balance, debit)
  let last = 0
  for (const t of history) if (t.debitAccount === debitAccount && t.debitSeq > last) last = t.debitSeq
  const debitSeq = last + 1
  return { ...draft, accounts: accountsTouched, debitAccount, debitSeq, slot: `${debitAccount}:${debitSeq}` }
}

/** A drafted posting list without zero legs (a zero fee is no posting). */
function legs(...postings: Posting[]): Posting[] {
  return postings.filter((p) => p.amountMinor !== 0)
}

/** The escrow facts a transfer needs. */
export interface EscrowRef {
  escrowId: string
  contractId: string
  milestoneId: string
  hirerId: string
  workerId: string
  amount: Money
}

const refsOf = (e: EscrowRef) => ({
  contractId: e.contractId,
  milestoneId: e.milestoneId,
  escrowId: e.escrowId,
})

/** `fund:<escrowId>`: the captured payment moves from Stripe clearing into the escrow (pending phase). */
export function fundTransfer(e: EscrowRef, cause: TransferCause): TransferDraft {
  const a = e.amount
  return {
    id: `fund:${e.escrowId}`,
    kind: 'fund',
    currency: a.currency,
    postings: legs(
      { account: accounts.clearing(a.currency), amountMinor: -a.amountMinor },
      { account: accounts.escrow(e.escrowId), amountMinor: a.amountMinor },
    ),
    parties: [e.hirerId],
    cause,
    ...refsOf(e),
  }
}

/**
 * `settle:<escrowId>` as a release: the escrow (all of it) to the worker's wallet less `fee`, the
 * fee to platform revenue. Every settlement of one escrow shares the id: release, refund and split
 * exclude each other by it.
 *
 * @param fee - from `fees.ts#splitFee` (0 ≤ fee ≤ amount)
 */
export function releaseTransfer(
  e: EscrowRef,
  fee: Money,
  cause: TransferCause,
  disputeId?: string,
): TransferDraft {
  const a = e.amount
  return {
    id: `settle:${e.escrowId}`,
    kind: 'release',
    currency: a.currency,
    postings: legs(
      { account: accounts.escrow(e.escrowId), amountMinor: -a.amountMinor },
      { account: accounts.wallet(e.workerId, a.currency), amountMinor: a.amountMinor - fee.amountMinor },
      { account: accounts.revenue(a.currency), amountMinor: fee.amountMinor },
    ),
    parties: [e.workerId],
    cause,
    ...refsOf(e),
    ...(disputeId ? { disputeId } : {}),
  }
}

/** `settle:<escrowId>` as a refund: the escrow moves to its refund account, reserved for the Stripe Refund (void phase). */
export function refundTransfer(e: EscrowRef, cause: TransferCause, disputeId?: string): TransferDraft {
  const a = e.amount
  return {
    id: `settle:${e.escrowId}`,
    kind: 'refund',
    currency: a.currency,
    postings: legs(
      { account: accounts.escrow(e.escrowId), amountMinor: -a.amountMinor },
      { account: accounts.refund(e.escrowId), amountMinor: a.amountMinor },
    ),
    // The hirer's history shows the refund when Stripe has made it (`refund-paid:`), not the reserve.
    parties: [],
    cause,
    ...refsOf(e),
    ...(disputeId ? { disputeId } : {}),
  }
}

/**
 * `settle:<escrowId>` as a split: `workerGross` of the escrow to the worker (less `fee`, to
 * revenue), the rest to the refund account.
 *
 * @param workerGross - 1 ≤ workerGross < amount (checked by `disputes.ts#splitAmounts`)
 * @throws LedgerRuleError when `workerGross` is outside (0, amount)
 */
export function splitTransfer(
  e: EscrowRef,
  workerGross: Money,
  fee: Money,
  cause: TransferCause,
  disputeId: string,
): TransferDraft {
  const a = e.amount
  const refund = a.amountMinor - workerGross.amountMinor
  if (workerGross.amountMinor <= 0 || refund <= 0) {
    throw new LedgerRuleError(
      `split of ${e.escrowId}: ${workerGross.amountMinor} is not inside (0, ${a.amountMinor})`,
    )
  }
  return {
    id: `settle:${e.escrowId}`,
    kind: 'split',
    currency: a.currency,
    postings: legs(
      { account: accounts.escrow(e.escrowId), amountMinor: -a.amountMinor },
      {
        account: accounts.wallet(e.workerId, a.currency),
        amountMinor: workerGross.amountMinor - fee.amountMinor,
      },
      { account: accounts.revenue(a.currency), amountMinor: fee.amountMinor },
      { account: accounts.refund(e.escrowId), amountMinor: refund },
    ),
    parties: [e.workerId],
    cause,
    ...refsOf(e),
    disputeId,
  }
}

/** `refund-paid:<escrowId>`: Stripe refunded `amount`; it leaves the refund account for the card. */
export function refundPaidTransfer(e: EscrowRef, amount: Money, cause: TransferCause): TransferDraft {
  return {
    id: `refund-paid:${e.escrowId}`,
    kind: 'refund_paid',
    currency: amount.currency,
    postings: legs(
      { account: accounts.refund(e.escrowId), amountMinor: -amount.amountMinor },
      { account: accounts.clearing(amount.currency), amountMinor: amount.amountMinor },
    ),
    parties: [e.hirerId],
    cause,
    ...refsOf(e),
  }
}

/** The payout facts a transfer needs. */
export interface PayoutRef {
  payoutId: string
  userId: string
  amount: Money
}

/** `payout:<payoutId>`: reserve the payout — the wallet's debit, before Stripe is called. */
export function payoutTransfer(p: PayoutRef, cause: TransferCause): TransferDraft {
  const a = p.amount
  return {
    id: `payout:${p.payoutId}`,
    kind: 'payout',
    currency: a.currency,
    postings: [
      { account: accounts.wallet(p.userId, a.currency), amountMinor: -a.amountMinor },
      { account: accounts.payout(p.payoutId), amountMinor: a.amountMinor },
    ],
    parties: [p.userId],
    cause,
    payoutId: p.payoutId,
  }
}

/** `payout-paid:<payoutId>`: the Stripe Transfer was made; the reserve leaves for Stripe. */
export function payoutPaidTransfer(p: PayoutRef, cause: TransferCause): TransferDraft {
  const a = p.amount
  return {
    id: `payout-paid:${p.payoutId}`,
    kind: 'payout_paid',
    currency: a.currency,
    postings: [
      { account: accounts.payout(p.payoutId), amountMinor: -a.amountMinor },
      { account: accounts.payouts(a.currency), amountMinor: a.amountMinor },
    ],
    parties: [],
    cause,
    payoutId: p.payoutId,
  }
}

/** `payout-void:<payoutId>`: Stripe refused the Transfer for good; the reserve goes back to the wallet. */
export function payoutVoidTransfer(p: PayoutRef, cause: TransferCause): TransferDraft {
  const a = p.amount
  return {
    id: `payout-void:${p.payoutId}`,
    kind: 'payout_void',
    currency: a.currency,
    postings: [
      { account: accounts.payout(p.payoutId), amountMinor: -a.amountMinor },
      { account: accounts.wallet(p.userId, a.currency), amountMinor: a.amountMinor },
    ],
    parties: [p.userId],
    cause,
    payoutId: p.payoutId,
  }
}
