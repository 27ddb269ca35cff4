/**
 * Wallets and payouts: a user's balances (`GET /api/wallet`), their transaction history
 * (`GET /api/wallet/transactions`), a worker's Stripe Connect Express payout account
 * (`POST|GET /api/wallet/payout-account`) and payouts (`POST|GET /api/wallet/payouts`).
 *
 * Every balance is READ from the ledger (domain/ledger.ts): a wallet is the account
 * `wallet:<userId>:<CUR>`, its balance the sum of its postings. Nothing here keeps a balance of its
 * own; payout documents are projections of the ledger's `payout:` transfers.
 *
 * A payout (`POST /api/wallet/payouts`) is a two-phase transfer, and the order of writes is what
 * makes a crash, a retry or a race safe:
 *
 * 1. the payout account must exist (409 `PayoutAccountMissing` otherwise — before any record, so the
 *    same key works once the account is made);
 * 2. the idempotency record naming the payout id `po_<24 hex>` (services/idempotent-requests.ts:
 *    a retry with the key continues the same payout, or replays its final response);
 * 3. the payout document, `pending` (unique `_id`; a duplicate is our own retry);
 * 4. `payout:<payoutId>` — the wallet's debit into the payout's reserve account. Its debit slot on
 *    the wallet account is THE commit point (services/ledger.ts): twenty concurrent payouts from
 *    any number of processes race for the wallet's next slot, one insert wins each slot, every
 *    loser re-reads the balance — so the wallet can never be overdrawn. A debit beyond the
 *    balance → the payout is `failed` and the request's final response is a 409
 *    `InsufficientFunds` problem naming the available amount (recorded, so a retry replays it);
 * 5. the Stripe Transfer with the idempotency key `payout:<payoutId>` (one Transfer per payout at
 *    Stripe, whoever retries). Stripe down (502) → the reserve stays, the lease is given back and
 *    the retry with the same key resumes at 5: step 4 finds its transfer by id and does not debit
 *    again. Stripe refuses (422) → `payout-void:<payoutId>` puts the reserve back in the wallet,
 *    the payout is `failed`, the 422 is the final response;
 * 6. `payout-paid:<payoutId>` — the reserve leaves for Stripe, with `PayoutCompleted` in its outbox
 *    (published once) and the Stripe Transfer id as its cause; then the payout is `completed`.
 *
 * `payout-paid:` and `payout-void:` both debit the reserve account `payout:<payoutId>`, which holds
 * exactly the payout's amount: the ledger lets only one of them post.
 */
import type { EventContext, Money, Problem } from '@kelmah/contracts'
import { MoneyError, positiveMoney } from '@kelmah/contracts'
import {
  BadRequest,
  afterPosition,
  decodeCursor,
  isDuplicateKey,
  pageOf,
  problem,
  withFields,
  type Caller,
  type CursorValue,
} from '@kelmah/service-kit'
import { randomBytes } from 'node:crypto'
import {
  InsufficientBalance,
  accounts,
  payoutPaidTransfer,
  payoutTransfer,
  payoutVoidTransfer,
  type PayoutRef,
  type Posting,
  type TransferKind,
} from '../domain/ledger.js'
import {
  InsufficientFunds,
  InvalidAmount,
  PayoutAccountMissing,
  StripeRefused,
  WorkersOnly,
} from '../errors.js'
import { payoutCompleted } from '../events/publishers.js'
import type { PayoutDoc, TransferDoc } from '../models/index.js'
import type { PaymentDeps } from './deps.js'
import type { StoredResponse } from './idempotent-requests.js'

/**
 * An amount of money that is a SUM (a balance, money held in escrow): integer minor units with a
 * currency. Unlike a single `Money` it is not bounded by the per-amount ceiling — twenty releases
 * of the ceiling add up to more — only by exactness (a safe integer).
 */
export interface Amount {
  amountMinor: number
  currency: string
}

/** One currency of a wallet (`GET /api/wallet`). */
export interface WalletBalance {
  currency: string
  /** The balance of `wallet:<userId>:<currency>`: what may be paid out now. */
  available: Amount
  /** The caller's escrows that are `funded` (as hirer: money paid in; as worker: money to come). */
  inEscrow: Amount
}

/** One transfer of a user's history (`GET /api/wallet/transactions`). */
export interface TransactionView {
  /** The ledger transfer id (`settle:<escrowId>`, `payout:<payoutId>`, …). */
  id: string
  kind: TransferKind
  direction: 'credit' | 'debit'
  /**
   * What moved for this user: for a wallet, the net into or out of it (a release's net of the fee,
   * a payout); for a hirer, the escrow funded (debit) or the refund paid to the card (credit).
   */
  amount: Money
  /** The platform fee of a release or split (0 when none was taken). */
  platformFee?: Money
  contractId: string | null
  milestoneId: string | null
  escrowId: string | null
  payoutId: string | null
  createdAt: string
}

/** A payout as the API shows it. */
export interface PayoutView {
  id: string
  amount: Money
  status: PayoutDoc['status']
  stripeTransferId: string | null
  failureReason: string | null
  createdAt: string
}

/** A cursor page. */
export interface PageOf<T> {
  items: T[]
  nextCursor: string | null
}

/** `?limit=&cursor=` of a list. */
export interface PageRequest {
  limit?: number
  cursor?: string
}

/** The answer to `POST /api/wallet/payout-account`: 201 when this call created the account. */
export interface PayoutAccountResult {
  status: 200 | 201
  body: { accountId: string; onboardingUrl: string; expiresAt: string }
}

/** The default page size (the `PageQuery` default of @kelmah/contracts). */
const DEFAULT_LIMIT = 20

/** A new payout id: `po_` and 24 hex digits (96 random bits). */
export function newPayoutId(): string {
  return `po_${randomBytes(12).toString('hex')}`
}

/** Add minor units exactly. @throws Error when a sum leaves the safe integers (never with bounded amounts). */
function add(a: number, b: number): number {
  const sum = a + b
  if (!Number.isSafeInteger(sum)) throw new Error('a balance sum is too large to count exactly')
  return sum
}

/** The sum of the postings on accounts `match` accepts. */
function sumPostings(postings: readonly Posting[], match: (account: string) => boolean): number {
  let total = 0
  for (const p of postings) if (match(p.account)) total = add(total, p.amountMinor)
  return total
}

/** The prefix of every wallet account of `userId` (`wallet:<userId>:`, domain/ledger.ts#accounts). */
function walletPrefix(userId: string): string {
  return accounts.wallet(userId, '')
}

/**
 * The balances of `userId`'s wallets over `transfers` (those listing the user in `parties`: every
 * transfer that touches a wallet lists its owner, domain/ledger.ts), by currency.
 */
export function walletBalances(
  userId: string,
  transfers: readonly Pick<TransferDoc, 'postings'>[],
): Map<string, number> {
  const prefix = walletPrefix(userId)
  const balances = new Map<string, number>()
  for (const t of transfers) {
    for (const p of t.postings) {
      if (!p.account.startsWith(prefix)) continue
      const currency = p.account.slice(prefix.length)
      balances.set(currency, add(balances.get(currency) ?? 0, p.amountMinor))
    }
  }
  return balances
}

/**
 * A transfer as one line of `userId`'s history (see {@link TransactionView.amount}).
 *
 * Rule: when the transfer moves the user's wallet, the line is that net (credit when it rose);
 * otherwise it is a hirer's card money — a funding is a debit of the escrow's amount, a paid refund
 * a credit of the amount refunded (the positive legs of the transfer).
 */
export function transactionOf(userId: string, t: TransferDoc): TransactionView {
  const prefix = walletPrefix(userId)
  const walletDelta = sumPostings(t.postings, (a) => a.startsWith(prefix))
  const moved = sumPostings(
    t.postings.filter((p) => p.amountMinor > 0),
    () => true,
  )
  let direction: TransactionView['direction']
  let amountMinor: number
  if (walletDelta !== 0) {
    direction = walletDelta > 0 ? 'credit' : 'debit'
    amountMinor = Math.abs(walletDelta)
  } else {
    direction = t.kind === 'fund' ? 'debit' : 'credit'
    amountMinor = moved
  }
  const view: TransactionView = {
    id: t._id,
    kind: t.kind,
    direction,
    amount: { amountMinor, currency: t.currency },
    contractId: t.contractId ?? null,
    milestoneId: t.milestoneId ?? null,
    escrowId: t.escrowId ?? null,
    payoutId: t.payoutId ?? null,
    createdAt: t.createdAt.toISOString(),
  }
  if (t.kind === 'release' || t.kind === 'split') {
    const fee = sumPostings(t.postings, (a) => a === accounts.revenue(t.currency))
    view.platformFee = { amountMinor: fee, currency: t.currency }
  }
  return view
}

/** The view of a payout document. */
export function payoutView(p: PayoutDoc): PayoutView {
  return {
    id: p._id,
    amount: { amountMinor: p.amount.amountMinor, currency: p.amount.currency },
    status: p.status,
    stripeTransferId: p.stripeTransferId,
    failureReason: p.failureReason,
    createdAt: p.createdAt.toISOString(),
  }
}

/** The 201 body of a completed payout. */
function completedBody(p: PayoutDoc): StoredResponse {
  return {
    status: 201,
    body: {
      id: p._id,
      amount: { amountMinor: p.amount.amountMinor, currency: p.amount.currency },
      status: 'completed',
      stripeTransferId: p.stripeTransferId,
      createdAt: p.createdAt.toISOString(),
    },
  }
}

/** The 409 problem of a payout above the balance, naming what is available (also as `available`). */
function insufficientResponse(available: Amount): StoredResponse {
  const err = new InsufficientFunds(`${available.amountMinor} minor units of ${available.currency}`)
  const body: Problem = problem(409, err.message, { code: err.code })
  return { status: 409, body: { ...body, available: { ...available } } }
}

/** The 422 problem of a Transfer Stripe refused. */
function refusedResponse(detail: string): StoredResponse {
  const err = new StripeRefused(detail)
  return { status: 422, body: problem(422, err.message, { code: err.code }) }
}

/** `failureReason` of a payout above the balance. */
const INSUFFICIENT = 'insufficient_funds'
/** `failureReason` prefix of a Transfer Stripe refused. */
const REFUSED = 'stripe_refused: '

/**
 * A keyset position `[createdAt ISO, id]` from a cursor, checked (a forged cursor is a 400, not a
 * 500).
 *
 * @throws BadRequest (400, field `cursor`)
 */
function positionOf(cursor: string | undefined, id: RegExp): CursorValue[] | undefined {
  const pos = decodeCursor(cursor, 2)
  if (!pos) return undefined
  const [at, last] = pos
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || typeof last !== 'string' || !id.test(last)) {
    throw withFields(new BadRequest('the cursor is not valid for this list'), [
      { field: 'cursor', message: 'is not a cursor returned by this list', in: 'querystring' },
    ])
  }
  return pos
}

/** The keyset filter after `pos` on `(createdAt desc, _id desc)`. */
function after(pos: CursorValue[] | undefined): Record<string, unknown> {
  return pos ? afterPosition('createdAt', pos, { toKey: (v) => new Date(v as string) }) : {}
}

const TRANSFER_ID = /^[a-z-]+:[\w:-]{1,200}$/
const PAYOUT_ID = /^po_[0-9a-f]{24}$/

/** The wallet use cases. */
export class Wallet {
  readonly #d: PaymentDeps

  constructor(deps: PaymentDeps) {
    this.#d = deps
  }

  /**
   * The caller's balances, one per currency seen in their wallet or their funded escrows, sorted
   * by code; empty for a new user. `available` is the ledger balance of `wallet:<sub>:<CUR>`;
   * `inEscrow` sums the caller's `funded` escrows (as hirer or as worker).
   */
  async balances(caller: Caller): Promise<WalletBalance[]> {
    const userId = caller.sub
    const [transfers, asHirer, asWorker] = await Promise.all([
      this.#d.models.Transfer.find({ parties: userId }).select({ postings: 1 }).lean(),
      // Two equality queries on their indexes ({hirerId, status}, {workerId, status}), not an $or.
      this.#d.models.Escrow.find({ hirerId: userId, status: 'funded' }).select({ amount: 1 }).lean(),
      this.#d.models.Escrow.find({ workerId: userId, status: 'funded' }).select({ amount: 1 }).lean(),
    ])
    const available = walletBalances(userId, transfers)
    const held = new Map<string, number>()
    const seen = new Set<string>()
    for (const e of [...asHirer, ...asWorker]) {
      if (seen.has(e._id)) continue
      seen.add(e._id)
      held.set(e.amount.currency, add(held.get(e.amount.currency) ?? 0, e.amount.amountMinor))
    }
    const currencies = [...new Set([...available.keys(), ...held.keys()])].sort()
    return currencies.map((currency) => ({
      currency,
      available: { amountMinor: available.get(currency) ?? 0, currency },
      inEscrow: { amountMinor: held.get(currency) ?? 0, currency },
    }))
  }

  /**
   * The caller's transactions, newest first (keyset on `(createdAt, _id)`): every transfer listing
   * them in `parties` (domain/ledger.ts#TransferDraft.parties).
   *
   * @throws BadRequest (400) for a cursor this list did not make
   */
  async transactions(caller: Caller, page: PageRequest): Promise<PageOf<TransactionView>> {
    const limit = page.limit ?? DEFAULT_LIMIT
    const pos = positionOf(page.cursor, TRANSFER_ID)
    const rows = (await this.#d.models.Transfer.find({ parties: caller.sub, ...after(pos) })
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit + 1)
      .lean()) as TransferDoc[]
    const cut = pageOf(rows, limit, (t) => [t.createdAt.toISOString(), t._id])
    return { items: cut.items.map((t) => transactionOf(caller.sub, t)), nextCursor: cut.nextCursor }
  }

  /**
   * Create the caller's Stripe Connect Express account (once: `PayoutAccount._id` is the user id,
   * a unique insert) and return a fresh onboarding link. The account is created at Stripe only
   * when none is stored, with the idempotency key `payout-account:<userId>`; two concurrent first
   * calls both insert, one wins, the other reads the winner.
   *
   * @returns 201 when this call stored the account, 200 afterwards (a new link each time)
   * @throws WorkersOnly (403); StripeUnavailable (502) | StripeRefused (422) — nothing is stored
   *   when the account call fails; a failed link after the account was stored answers the same on
   *   the retry, with 200
   */
  async createPayoutAccount(caller: Caller): Promise<PayoutAccountResult> {
    workersOnly(caller)
    const userId = caller.sub
    let stripeAccountId = (await this.#d.models.PayoutAccount.findById(userId).lean())?.stripeAccountId
    let created = false
    if (!stripeAccountId) {
      const made = await this.#d.stripe.createExpressAccount(userId, `payout-account:${userId}`)
      try {
        await this.#d.models.PayoutAccount.create({
          _id: userId,
          stripeAccountId: made,
          createdAt: this.#d.now(),
        })
        stripeAccountId = made
        created = true
      } catch (err) {
        if (!isDuplicateKey(err)) throw err
        const winner = await this.#d.models.PayoutAccount.findById(userId).lean()
        if (!winner) throw err
        stripeAccountId = winner.stripeAccountId
      }
    }
    const link = await this.#d.stripe.onboardingLink(
      stripeAccountId,
      this.#d.config.PAYOUT_ONBOARDING_RETURN_URL,
    )
    return {
      status: created ? 201 : 200,
      body: {
        accountId: stripeAccountId,
        onboardingUrl: link.url,
        expiresAt: new Date(link.expiresAt * 1000).toISOString(),
      },
    }
  }

  /**
   * The caller's payout account, or null.
   *
   * @throws WorkersOnly (403)
   */
  async payoutAccount(caller: Caller): Promise<{ accountId: string } | null> {
    workersOnly(caller)
    const account = await this.#d.models.PayoutAccount.findById(caller.sub).lean()
    return account ? { accountId: account.stripeAccountId } : null
  }

  /**
   * Pay `body.amount` out of the caller's wallet to their payout account (module header, steps
   * 1–6).
   *
   * @returns the request's final response: 201 with the completed payout, 409 `InsufficientFunds`
   *   (above the available balance, or a currency the wallet does not hold: 0 available) or 422
   *   `StripeRefused` as a problem body — each replayed for a retry with the same key
   * @throws WorkersOnly (403); InvalidAmount (400); PayoutAccountMissing (409);
   *   IdempotencyKeyRequired (400) | IdempotencyKeyReused (422) | IdempotencyKeyInFlight (409);
   *   StripeUnavailable (502: the reserve stays; retry with the same key)
   */
  async payout(
    caller: Caller,
    body: { amount: Money },
    key: string | string[] | undefined,
    ctx: EventContext,
  ): Promise<StoredResponse> {
    workersOnly(caller)
    const amount = checkedAmount(body.amount)
    const userId = caller.sub
    const account = await this.#d.models.PayoutAccount.findById(userId).lean()
    if (!account) throw new PayoutAccountMissing()
    const begun = await this.#d.requests.begin('payout', userId, key, { amount }, () =>
      Promise.resolve(newPayoutId()),
    )
    if (begun.kind === 'replay') return begun.response
    return this.#d.requests.run(begun.recordId, async () => {
      const payout = await this.#ensurePayout(begun.resourceId, userId, amount, account.stripeAccountId)
      return this.#pay(payout, begun.recordId, ctx)
    })
  }

  /**
   * The caller's payouts, newest first (keyset on `(createdAt, _id)`), failed ones included.
   *
   * @throws WorkersOnly (403); BadRequest (400) for a foreign cursor
   */
  async payouts(caller: Caller, page: PageRequest): Promise<PageOf<PayoutView>> {
    workersOnly(caller)
    const limit = page.limit ?? DEFAULT_LIMIT
    const pos = positionOf(page.cursor, PAYOUT_ID)
    const rows = (await this.#d.models.Payout.find({ userId: caller.sub, ...after(pos) })
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit + 1)
      .lean()) as PayoutDoc[]
    const cut = pageOf(rows, limit, (p) => [p.createdAt.toISOString(), p._id])
    return { items: cut.items.map(payoutView), nextCursor: cut.nextCursor }
  }

  /** Step 3: the payout document of this request — created now, or found from an earlier try. */
  async #ensurePayout(
    id: string,
    userId: string,
    amount: Money,
    stripeAccountId: string,
  ): Promise<PayoutDoc> {
    const existing = await this.#d.stores.payouts.get(id)
    if (existing) return sameRequest(existing, userId, amount)
    const now = this.#d.now()
    try {
      return await this.#d.stores.payouts.create({
        _id: id,
        userId,
        amount: { amountMinor: amount.amountMinor, currency: amount.currency },
        stripeAccountId,
        status: 'pending',
        stripeTransferId: null,
        failureReason: null,
        version: 0,
        createdAt: now,
        updatedAt: now,
      })
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
      const raced = await this.#d.stores.payouts.get(id)
      if (!raced) throw err
      return sameRequest(raced, userId, amount)
    }
  }

  /** Steps 4–6 for `payout`, resuming wherever an earlier try of the request stopped. */
  async #pay(payout: PayoutDoc, recordId: string, ctx: EventContext): Promise<StoredResponse> {
    if (payout.status === 'completed') return completedBody(payout)
    if (payout.status === 'failed') return this.#failedResponse(payout)
    const ref: PayoutRef = { payoutId: payout._id, userId: payout.userId, amount: payout.amount }
    // 4. The wallet's debit: the commit point. A retry finds its transfer by id (no second debit).
    try {
      await this.#d.ledger.post(payoutTransfer(ref, { type: 'request', id: recordId }))
    } catch (err) {
      if (!(err instanceof InsufficientBalance)) throw err
      await this.#fail(payout._id, INSUFFICIENT)
      return insufficientResponse({ amountMinor: err.balanceMinor, currency: payout.amount.currency })
    }
    // An earlier try may have got further: the reserve paid out or voided (they exclude each other).
    const paid = await this.#d.ledger.get(`payout-paid:${payout._id}`)
    if (paid) return this.#complete(payout._id, paid.cause.id)
    if (await this.#d.ledger.get(`payout-void:${payout._id}`)) {
      const failed = await this.#fail(payout._id, `${REFUSED}the transfer was refused`)
      return this.#failedResponse(failed)
    }
    // 5. Stripe, keyed by the payout: one Transfer per payout at Stripe, whoever retries.
    let stripeTransferId: string
    try {
      stripeTransferId = await this.#d.stripe.transfer(payout.amount, payout.stripeAccountId, {
        transferGroup: payout._id,
        idempotencyKey: `payout:${payout._id}`,
      })
    } catch (err) {
      // StripeUnavailable (and anything unexpected): the reserve stays; the retry resumes here.
      if (!(err instanceof StripeRefused)) throw err
      return this.#voidRefused(ref, recordId, err.message)
    }
    // 6. The reserve leaves for Stripe, PayoutCompleted in the same insert.
    try {
      const { transfer } = await this.#d.ledger.post(
        payoutPaidTransfer(ref, { type: 'request', id: stripeTransferId }),
        [
          payoutCompleted(
            {
              payoutId: payout._id,
              userId: payout.userId,
              amount: ref.amount,
              stripeTransferId,
              stripeAccountId: payout.stripeAccountId,
            },
            ctx,
          ),
        ],
      )
      // A concurrent try of the same request may have posted first: its Transfer id is the one.
      return await this.#complete(payout._id, transfer.cause.id)
    } catch (err) {
      if (err instanceof InsufficientBalance) {
        // The reserve was voided while Stripe made the Transfer: only two tries of one request
        // that got different answers from Stripe for one idempotency key can do this.
        this.#d.logger.error(
          { payoutId: payout._id, stripeTransferId },
          'payout: Stripe made a Transfer but the reserve was voided; reconcile by hand',
        )
      }
      throw err
    }
  }

  /** Stripe refused the Transfer: the reserve goes back to the wallet; the payout fails with a 422. */
  async #voidRefused(ref: PayoutRef, recordId: string, detail: string): Promise<StoredResponse> {
    try {
      await this.#d.ledger.post(payoutVoidTransfer(ref, { type: 'request', id: recordId }))
    } catch (err) {
      if (!(err instanceof InsufficientBalance)) throw err
      // The reserve was already paid out by a concurrent try of this request: it completed.
      const paid = await this.#d.ledger.get(`payout-paid:${ref.payoutId}`)
      if (paid) return this.#complete(ref.payoutId, paid.cause.id)
      throw err
    }
    const failed = await this.#fail(ref.payoutId, `${REFUSED}${detail}`)
    return this.#failedResponse(failed)
  }

  /** Project `completed` (with the Stripe Transfer id) onto the payout; its 201 body. */
  async #complete(payoutId: string, stripeTransferId: string): Promise<StoredResponse> {
    const done = await this.#d.stores.payouts.change(payoutId, (p) =>
      p.status === 'completed'
        ? null
        : { set: { status: 'completed', stripeTransferId, failureReason: null } },
    )
    return completedBody(done)
  }

  /** Project `failed` onto the payout (a completed payout is never failed). */
  async #fail(payoutId: string, reason: string): Promise<PayoutDoc> {
    return this.#d.stores.payouts.change(payoutId, (p) =>
      p.status === 'pending' ? { set: { status: 'failed', failureReason: reason } } : null,
    )
  }

  /**
   * The final response of a failed payout (only reached when a try stopped between marking the
   * payout failed and recording the response: the record replays it otherwise).
   */
  async #failedResponse(p: PayoutDoc): Promise<StoredResponse> {
    if (p.status === 'completed') return completedBody(p)
    if (p.failureReason?.startsWith(REFUSED)) {
      const detail = p.failureReason.slice(REFUSED.length)
      return refusedResponse(detail.replace(/^Stripe refused the request: /, ''))
    }
    const balance = await this.#d.ledger.balance(accounts.wallet(p.userId, p.amount.currency))
    return insufficientResponse({ amountMinor: balance, currency: p.amount.currency })
  }
}

/** @throws WorkersOnly (403) for hirers and admins: only workers have wallets to pay out. */
function workersOnly(caller: Caller): void {
  if (caller.role !== 'worker') throw new WorkersOnly()
}

/**
 * The payout amount checked in the domain as well as by the route schema (`PositiveMoney`):
 * whole minor units, 1 to the currency's ceiling, an allowed currency.
 *
 * @throws InvalidAmount (400, field `amount`)
 */
function checkedAmount(amount: Money): Money {
  try {
    return positiveMoney(amount.amountMinor, amount.currency)
  } catch (err) {
    if (!(err instanceof MoneyError)) throw err
    throw withFields(new InvalidAmount(err.message), [{ field: 'amount', message: err.message, in: 'body' }])
  }
}

/** The payout found for a request is the request's own (the fingerprint guarantees it; a bug otherwise). */
function sameRequest(p: PayoutDoc, userId: string, amount: Money): PayoutDoc {
  if (
    p.userId !== userId ||
    p.amount.amountMinor !== amount.amountMinor ||
    p.amount.currency !== amount.currency
  ) {
    throw new Error(`payout ${p._id} belongs to another request`)
  }
  return p
}
