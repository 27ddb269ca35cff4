/**
 * The money steps of the demo and the seed, on the SDK's generated calls: fund a milestone's
 * escrow (the SDK sends an `Idempotency-Key`; a retry here sends the same one), the wallet, the
 * payout account, payouts and the admin ledger check — and Stripe's part, which no SDK user plays:
 * its `payment_intent.succeeded` webhook, signed by us (stripe-mock sends none:
 * infra/stripe-webhook.ts) and posted as Stripe would, byte for byte.
 *
 * Events are asynchronous: the payment service learns that a contract is signed from
 * `ContractSigned`, the job service that a milestone is funded from `EscrowFunded`, so the
 * helpers that depend on one wait for it ({@link fundMilestone}, {@link pollWallet}).
 */
import { randomUUID } from 'node:crypto'
import { ok, type ResponseOf } from '@kelmah/sdk'
import { LOCAL_STRIPE_WEBHOOK_SECRET } from '../services.js'
import { signStripePayload, stripeEvent, type StripeEventJson } from '../stripe-webhook.js'
import type { Account } from './accounts.js'
import { type Money, refused, sleep } from './marketplace.js'

/** `POST /api/payments/escrow` 201: an escrow `pending` on a Stripe PaymentIntent. */
export type EscrowFunding = ResponseOf<'/api/payments/escrow', 'post'>
/** `POST /api/webhooks/stripe` 200: `applied`, `ignored`, `parked`, `rejected`; `duplicate`. */
export type WebhookAck = ResponseOf<'/api/webhooks/stripe', 'post'>
/** `GET /api/wallet`. */
export type Wallet = ResponseOf<'/api/wallet', 'get'>
/** `POST /api/wallet/payout-account` (200 or 201). */
export type PayoutAccount = ResponseOf<'/api/wallet/payout-account', 'post'>
/** `POST /api/wallet/payouts` 201. */
export type Payout = ResponseOf<'/api/wallet/payouts', 'post'>
/** `GET /api/payments/ledger/check`. */
export type LedgerReport = ResponseOf<'/api/payments/ledger/check', 'get'>

/** Problem codes of `POST /api/payments/escrow` that mean "the payment service has not heard yet". */
const NOT_HEARD_YET = new Set(['PAYMENT_ERR_CONTRACT_NOT_ACTIVE', 'PAYMENT_ERR_CONTRACT_NOT_FOUND'])

/** Options of {@link fundMilestone}. */
export interface FundOptions {
  /** The request's `Idempotency-Key` (default: a new UUID). Every retry sends the same one. */
  idempotencyKey?: string
  /** How long to wait for the payment service to learn the contract is signed, ms (default 10 000). */
  waitMs?: number
}

/**
 * The hirer funds a milestone: `POST /api/payments/escrow` `{contractId, milestoneId}` → 201
 * (`status: "pending"`, a PaymentIntent id).
 *
 * Right after signing, the payment service may not have consumed `ContractSigned` yet: it answers
 * 404 `PAYMENT_ERR_CONTRACT_NOT_FOUND` or 409 `PAYMENT_ERR_CONTRACT_NOT_ACTIVE`; both are retried
 * until `waitMs`. A lost answer (502/504) is retried too: the same key makes a retry resume the
 * first request, never a second PaymentIntent (services/payment/src/services/funding.ts).
 *
 * @throws KelmahProblem for any other refusal (403 not the hirer, 409 already funded, 422 key
 *   reused with another body), or the last refusal once `waitMs` is up
 */
export async function fundMilestone(
  hirer: Account,
  target: { contractId: string; milestoneId: string },
  options: FundOptions = {},
): Promise<EscrowFunding> {
  const key = options.idempotencyKey ?? randomUUID()
  const deadline = Date.now() + (options.waitMs ?? 10_000)
  for (let pause = 200; ; pause = Math.min(pause * 2, 1_000)) {
    try {
      return await ok(
        hirer.kelmah.api.POST('/api/payments/escrow', {
          params: { header: { 'idempotency-key': key } },
          body: { contractId: target.contractId, milestoneId: target.milestoneId },
        }),
      )
    } catch (err) {
      if (Date.now() > deadline) throw err
      const notYet = refused(err, 404, NOT_HEARD_YET) || refused(err, 409, NOT_HEARD_YET)
      if (!notYet && !refused(err, 502) && !refused(err, 504)) throw err
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
  /** The fetch to post with (default the global one). */
  fetch?: typeof fetch
}

/** Thrown when the webhook is not answered 200. */
export class WebhookRefused extends Error {
  override readonly name = 'WebhookRefused'
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`POST /api/webhooks/stripe answered ${status}: ${body.slice(0, 300)}`)
  }
}

/**
 * Stripe's delivery of `payment_intent.succeeded` for an escrow's PaymentIntent, made by us:
 * `POST <baseUrl>/api/webhooks/stripe` (public: no token) with the event's JSON text and its
 * `Stripe-Signature` (HMAC-SHA256 with the endpoint secret, signed now) — the exact text signed
 * is the text sent, which is why this is a plain `fetch` and not an SDK call (Stripe is no SDK
 * user). The PaymentIntent is `succeeded` with `amount` = `amount_received` = the escrow's amount.
 *
 * @param baseUrl - the gateway
 * @returns the event and the answer; 200 `{status: "applied"}` funds the escrow (and the job
 *   service then marks the milestone `funded`, asynchronously)
 * @throws WebhookRefused unless the answer is 200 (400 = a signature the service refused)
 * @throws Error when the escrow has no PaymentIntent id
 */
export async function deliverPaymentSucceeded(
  baseUrl: string,
  escrow: { paymentIntentId: string | null; amount: Money },
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
  const res = await (options.fetch ?? fetch)(`${baseUrl.replace(/\/+$/, '')}/api/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload(payload, secret) },
    body: payload,
  })
  const text = await res.text()
  if (res.status !== 200) throw new WebhookRefused(res.status, text)
  return { event, status: res.status, ack: JSON.parse(text) as WebhookAck }
}

/** `GET /api/wallet` → the caller's balances. @throws KelmahProblem */
export function getWallet(account: Account): Promise<Wallet> {
  return ok(account.kelmah.api.GET('/api/wallet'))
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
 * @throws KelmahProblem when a read is refused
 */
export async function pollWallet(
  account: Account,
  done: (wallet: Wallet) => boolean,
  waitMs = 15_000,
): Promise<Wallet> {
  const deadline = Date.now() + waitMs
  for (let pause = 100; ; pause = Math.min(pause * 2, 500)) {
    const wallet = await getWallet(account)
    if (done(wallet) || Date.now() > deadline) return wallet
    await sleep(pause)
  }
}

/**
 * The worker's Stripe Connect account: `POST /api/wallet/payout-account` → 201 (made now) or 200
 * (made before) `{accountId, onboardingUrl}`.
 *
 * @throws KelmahProblem for any other answer (403 for a hirer)
 */
export async function createPayoutAccount(worker: Account): Promise<PayoutAccount & { created: boolean }> {
  const { data, response } = await worker.kelmah.api.POST('/api/wallet/payout-account')
  return { ...data!, created: response.status === 201 }
}

/**
 * Pay part of the wallet out to the worker's Stripe account: `POST /api/wallet/payouts` `{amount}`
 * → 201. A lost answer (502/504) is sent once more with the same key (the payment service replays
 * the first outcome, never a second Transfer).
 *
 * @param idempotencyKey - default a new UUID
 * @throws KelmahProblem for any other refusal (409 above the available balance, or no payout
 *   account; 422 the key reused with another amount)
 */
export async function requestPayout(
  worker: Account,
  amount: Money,
  idempotencyKey: string = randomUUID(),
): Promise<Payout> {
  const send = () =>
    ok(
      worker.kelmah.api.POST('/api/wallet/payouts', {
        params: { header: { 'idempotency-key': idempotencyKey } },
        body: { amount },
      }),
    )
  try {
    return await send()
  } catch (err) {
    if (!refused(err, 502) && !refused(err, 504)) throw err
    await sleep(1_000)
    return send()
  }
}

/** An admin checks every ledger invariant: `GET /api/payments/ledger/check`. @throws KelmahProblem */
export function checkLedger(admin: Account): Promise<LedgerReport> {
  return ok(admin.kelmah.api.GET('/api/payments/ledger/check'))
}

/**
 * The platform fee the payment service keeps on a release: `floor(amount × bps / 10 000)` minor
 * units, `bps` = `PLATFORM_FEE_BPS` (default 1000 = 10 %; services/payment/src/domain/fees.ts).
 * What the worker's wallet gains is `amountMinor − platformFeeMinor(amountMinor)`.
 */
export function platformFeeMinor(amountMinor: number, bps = 1_000): number {
  return Math.floor((amountMinor * bps) / 10_000)
}
