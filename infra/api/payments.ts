/**
 * The payment service as a client sees it through the gateway (services/payment, port 3005;
 * prefixes `/api/payments`, `/api/wallet`, `/api/webhooks/stripe`): fund a milestone's escrow,
 * the Stripe webhook delivered by us (stripe-mock sends none: infra/stripe-webhook.ts), the
 * wallet, the payout account, payouts and the admin ledger check. Used by `npm run demo`,
 * `npm run seed` and the end-to-end test — never by the services.
 *
 * Every amount is {@link Money}: integer minor units with an ISO 4217 currency, never a float.
 * Events are asynchronous: the payment service learns that a contract is signed from
 * `ContractSigned`, the job service that a milestone is funded from `EscrowFunded`, so the
 * helpers that depend on one wait for it ({@link fundMilestone}, {@link pollWallet}).
 */
import { randomUUID } from 'node:crypto'
import { LOCAL_STRIPE_WEBHOOK_SECRET } from '../services.js'
import { signStripePayload, stripeEvent, type StripeEventJson } from '../stripe-webhook.js'
import type { Session } from './accounts.js'
import { type ApiClient, UnexpectedStatus } from './client.js'
import type { Money } from './marketplace.js'

export type { Money } from './marketplace.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** `POST /api/payments/escrow` 201: an escrow waiting for Stripe's `payment_intent.succeeded`. */
export interface EscrowFunding {
  /** `esc_<milestoneId>_<attempt>`. */
  id: string
  contractId: string
  milestoneId: string
  /** The milestone's amount. */
  amount: Money
  /** `pending` until the webhook funds it. */
  status: string
  /** The Stripe PaymentIntent (`pi_…`) the webhook must name. */
  paymentIntentId: string | null
  /** For Stripe.js on the hirer's device (unused locally: stripe-mock confirms nothing). */
  clientSecret: string | null
}

/** Problem codes of `POST /api/payments/escrow` that mean "the payment service has not heard yet". */
const NOT_HEARD_YET = new Set(['PAYMENT_ERR_CONTRACT_NOT_ACTIVE', 'PAYMENT_ERR_CONTRACT_NOT_FOUND'])

/** The problem `code` of an error answer, if any. */
function problemCode(err: UnexpectedStatus): string | undefined {
  return (err.body as { code?: string } | undefined)?.code
}

/** Options of {@link fundMilestone}. */
export interface FundOptions {
  /** The request's `Idempotency-Key` (default: a new UUID). Every retry sends the same one. */
  idempotencyKey?: string
  /**
   * How long to wait for the payment service to learn the contract is signed (its read model
   * follows `ContractSigned`), milliseconds (default 10 000).
   */
  waitMs?: number
}

/**
 * The hirer funds a milestone: `POST /api/payments/escrow` `{contractId, milestoneId}` with an
 * `Idempotency-Key` → 201 {@link EscrowFunding} (`status: "pending"`, a PaymentIntent id).
 *
 * Right after signing, the payment service may not have consumed `ContractSigned` yet: it answers
 * 404 `PAYMENT_ERR_CONTRACT_NOT_FOUND` (never heard of the contract) or 409
 * `PAYMENT_ERR_CONTRACT_NOT_ACTIVE` (heard of it, not yet signed); both are retried until
 * `waitMs`. A lost answer (502/504 — e.g. stripe-mock briefly away) is retried too: the same key
 * makes a retry resume the first request, never a second PaymentIntent (the payment service's
 * services/funding.ts). Those refusals happen before the key is recorded, so retrying with it is safe.
 *
 * @throws UnexpectedStatus for any other answer (403 not the hirer, 409 already funded, 422 key
 *   reused with another body), or the last refusal once `waitMs` is up
 */
export async function fundMilestone(
  hirer: Session,
  target: { contractId: string; milestoneId: string },
  options: FundOptions = {},
): Promise<EscrowFunding> {
  const key = options.idempotencyKey ?? randomUUID()
  const deadline = Date.now() + (options.waitMs ?? 10_000)
  for (let pause = 200; ; pause = Math.min(pause * 2, 1_000)) {
    try {
      const res = await hirer.call<EscrowFunding>('POST', '/api/payments/escrow', {
        body: { contractId: target.contractId, milestoneId: target.milestoneId },
        headers: { 'idempotency-key': key },
        expect: [201],
      })
      return res.body
    } catch (err) {
      if (!(err instanceof UnexpectedStatus) || Date.now() > deadline) throw err
      const notYet = (err.status === 404 || err.status === 409) && NOT_HEARD_YET.has(problemCode(err) ?? '')
      const lost = err.status === 502 || err.status === 504
      if (!notYet && !lost) throw err
      await sleep(pause)
    }
  }
}

/** A Stripe PaymentIntent as a `payment_intent.*` event carries it (the fields the payment service reads). */
export interface PaymentIntentJson {
  id: string
  object: 'payment_intent'
  /** Minor units. */
  amount: number
  /** Minor units; the amount when succeeded. */
  amount_received: number
  /** Lower case, as Stripe sends it. */
  currency: string
  status: string
  metadata: Record<string, string>
}

/** The payment service's answer to a webhook delivery. */
export interface WebhookAck {
  received: boolean
  /** The Stripe event id (`evt_…`). */
  eventId: string
  /** `applied`, `ignored`, `parked` (no escrow knows the PaymentIntent yet), `rejected` (amount mismatch), … */
  status: string
  /** True when this event id was delivered before (no second effect). */
  duplicate: boolean
}

/** What {@link deliverPaymentSucceeded} sent and got back. */
export interface WebhookDelivery {
  /** The event as sent; deliver it again with `{event}` to test a duplicate delivery. */
  event: StripeEventJson<PaymentIntentJson>
  status: number
  ack: WebhookAck
}

/** Options of {@link deliverPaymentSucceeded}. */
export interface DeliverOptions {
  /** The endpoint secret (default `STRIPE_WEBHOOK_SECRET`, else `whsec_kelmah_local`, infra/services.ts). */
  secret?: string
  /** Send this event again (same id and body, a fresh signature) instead of making one: Stripe's retry. */
  event?: StripeEventJson<PaymentIntentJson>
}

/**
 * Stripe's delivery of `payment_intent.succeeded` for an escrow's PaymentIntent, made by us:
 * `POST /api/webhooks/stripe` (public: no token) with the event's JSON text and its
 * `Stripe-Signature` (HMAC-SHA256 with the endpoint secret, signed now) — the exact text that was
 * signed is the text sent. The PaymentIntent is `succeeded` with `amount` = `amount_received` =
 * the escrow's amount, currency lower-cased.
 *
 * @param stripe - a client of the gateway (no session: Stripe has none)
 * @param escrow - the funding answer (its PaymentIntent id and amount)
 * @returns the event and the answer; 200 `{status: "applied"}` funds the escrow (and the job
 *   service then marks the milestone `funded`, asynchronously)
 * @throws UnexpectedStatus unless the answer is 200 (400 = a signature the service refused)
 * @throws Error when the escrow has no PaymentIntent id
 */
export async function deliverPaymentSucceeded(
  stripe: ApiClient,
  escrow: Pick<EscrowFunding, 'paymentIntentId' | 'amount'>,
  options: DeliverOptions = {},
): Promise<WebhookDelivery> {
  if (!escrow.paymentIntentId) throw new Error('the escrow has no PaymentIntent id to deliver an event for')
  const event =
    options.event ??
    stripeEvent<PaymentIntentJson>('payment_intent.succeeded', {
      id: escrow.paymentIntentId,
      object: 'payment_intent',
      amount: escrow.amount.amountMinor,
      amount_received: escrow.amount.amountMinor,
      currency: escrow.amount.currency.toLowerCase(),
      status: 'succeeded',
      metadata: {},
    })
  const secret = options.secret ?? process.env.STRIPE_WEBHOOK_SECRET ?? LOCAL_STRIPE_WEBHOOK_SECRET
  const payload = JSON.stringify(event)
  const res = await stripe.call<WebhookAck>('POST', '/api/webhooks/stripe', {
    rawBody: payload,
    headers: { 'stripe-signature': signStripePayload(payload, secret) },
    expect: [200],
  })
  return { event, status: res.status, ack: res.body }
}

/** One currency of a wallet. */
export interface WalletBalance {
  currency: string
  /** What the owner may pay out (a worker's released earnings less payouts). */
  available: Money
  /** Money held in escrow for the owner's contracts (a hirer's funded milestones). */
  inEscrow: Money
}

/** `GET /api/wallet`. */
export interface Wallet {
  balances: WalletBalance[]
}

/** `GET /api/wallet` → the caller's balances. @throws UnexpectedStatus unless 200 */
export async function getWallet(session: Session): Promise<Wallet> {
  const res = await session.call<Wallet>('GET', '/api/wallet', { expect: [200] })
  return res.body
}

/** The available minor units of `currency` (any case) in `wallet`; 0 when it has none. */
export function availableMinor(wallet: Wallet, currency: string): number {
  const want = currency.toUpperCase()
  return wallet.balances.find((b) => b.currency.toUpperCase() === want)?.available.amountMinor ?? 0
}

/**
 * Read the wallet until `done(wallet)` holds or `waitMs` (milliseconds) is up — a release reaches
 * the wallet after `MilestoneApproved` crossed the bus.
 *
 * @returns the last wallet read, whether or not `done` held
 * @throws UnexpectedStatus when a read fails
 */
export async function pollWallet(
  session: Session,
  done: (wallet: Wallet) => boolean,
  waitMs = 15_000,
): Promise<Wallet> {
  const deadline = Date.now() + waitMs
  for (let pause = 100; ; pause = Math.min(pause * 2, 500)) {
    const wallet = await getWallet(session)
    if (done(wallet) || Date.now() > deadline) return wallet
    await sleep(pause)
  }
}

/** `POST /api/wallet/payout-account`. */
export interface PayoutAccount {
  /** The worker's Stripe Connect Express account (`acct_…`). */
  accountId: string
  /** Where the worker finishes Stripe's onboarding. */
  onboardingUrl: string
}

/**
 * The worker's Stripe Connect account: `POST /api/wallet/payout-account` → 201 (made now) or 200
 * (made before) `{accountId, onboardingUrl}`.
 *
 * @throws UnexpectedStatus for any other answer (403 for a hirer)
 */
export async function createPayoutAccount(worker: Session): Promise<PayoutAccount & { created: boolean }> {
  const res = await worker.call<PayoutAccount>('POST', '/api/wallet/payout-account', { expect: [200, 201] })
  return { ...res.body, created: res.status === 201 }
}

/** `POST /api/wallet/payouts` 201. */
export interface Payout {
  id: string
  amount?: Money
  /** `completed`: the Stripe Transfer was made. */
  status: string
  /** The Stripe Transfer (`tr_…`) to the worker's account. */
  stripeTransferId: string
}

/**
 * Pay part of the wallet out to the worker's Stripe account: `POST /api/wallet/payouts`
 * `{amount}` with an `Idempotency-Key` → 201 {@link Payout}. A lost answer (502/504) is sent once
 * more with the same key (the payment service replays the first outcome, never a second Transfer).
 *
 * @param idempotencyKey - default a new UUID
 * @throws UnexpectedStatus for any other answer (409 above the available balance, or no payout
 *   account; 422 the key reused with another amount)
 */
export async function requestPayout(
  worker: Session,
  amount: Money,
  idempotencyKey: string = randomUUID(),
): Promise<Payout> {
  const send = () =>
    worker.call<Payout>('POST', '/api/wallet/payouts', {
      body: { amount },
      headers: { 'idempotency-key': idempotencyKey },
      expect: [201],
    })
  try {
    return (await send()).body
  } catch (err) {
    if (!(err instanceof UnexpectedStatus) || (err.status !== 502 && err.status !== 504)) throw err
    await sleep(1_000)
    return (await send()).body
  }
}

/** `GET /api/payments/ledger/check` (services/payment/src/routes/ledger.ts). */
export interface LedgerReport {
  /** True when every invariant holds. */
  ok: boolean
  transfers: number
  accounts: number
  /** Per currency, the sum of every posting (minor units): 0 when debits equal credits. */
  totals: Record<string, number>
  violations: Array<{ rule: string; detail: string }>
  /** Pending reserves by account, minor units. */
  pending: Record<string, number>
}

/** An admin checks every ledger invariant: `GET /api/payments/ledger/check`. @throws UnexpectedStatus unless 200 */
export async function checkLedger(admin: Session): Promise<LedgerReport> {
  const res = await admin.call<LedgerReport>('GET', '/api/payments/ledger/check', { expect: [200] })
  return res.body
}

/**
 * The platform fee the payment service keeps on a release: `floor(amount × bps / 10 000)` minor
 * units, `bps` = `PLATFORM_FEE_BPS` (default 1000 = 10 %; services/payment/src/domain/fees.ts).
 * What the worker's wallet gains is `amountMinor − platformFeeMinor(amountMinor)`.
 */
export function platformFeeMinor(amountMinor: number, bps = 1_000): number {
  return Math.floor((amountMinor * bps) / 10_000)
}
