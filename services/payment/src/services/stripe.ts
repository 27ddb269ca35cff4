/**
 * The payment service's one door to Stripe (the official `stripe` SDK): the five calls Kelmah
 * makes, each with the idempotency key of the business fact it serves, and webhook verification.
 *
 * Errors are sorted into two problems: {@link StripeUnavailable} (502: Stripe could not be reached,
 * timed out, rate-limited us or failed on its side — the same request may succeed later, and the
 * key makes the retry safe) and {@link StripeRefused} (422: Stripe refused the request itself —
 * retrying will not help). Callers decide what a refusal undoes.
 *
 * Locally the SDK talks to stripe-mock (`STRIPE_API_URL`), which ignores idempotency keys and
 * echoes no metadata: our own records hold idempotency (services/funding.ts), never Stripe's.
 */
import type { Money } from '@kelmah/contracts'
import Stripe from 'stripe'
import { BadWebhookSignature, StripeRefused, StripeUnavailable } from '../errors.js'

/** A Stripe event as verified from a webhook (type and the object it carries). */
export type StripeEvent = Stripe.Event

/** What {@link StripeGateway.createPaymentIntent} returns. */
export interface CreatedPaymentIntent {
  id: string
  clientSecret: string
}

/** Options of {@link StripeGateway}. */
export interface StripeGatewayOptions {
  secretKey: string
  /** The API's base URL (`http://127.0.0.1:12111`, `https://api.stripe.com`). */
  apiUrl: string
  /** Time limit per call (milliseconds). */
  timeoutMs: number
  webhookSecret: string
  /** Webhook timestamp tolerance, both ways (seconds). */
  toleranceS: number
}

/** True when Stripe's error says "try again later" rather than "this request is wrong". */
function isTransient(err: Stripe.errors.StripeError): boolean {
  return (
    err instanceof Stripe.errors.StripeConnectionError ||
    err instanceof Stripe.errors.StripeAPIError ||
    err instanceof Stripe.errors.StripeRateLimitError ||
    err instanceof Stripe.errors.StripeAuthenticationError ||
    err instanceof Stripe.errors.StripePermissionError ||
    (err.statusCode ?? 0) >= 500
  )
}

/**
 * Run a Stripe call, sorting its failure into our problems.
 *
 * @throws StripeUnavailable (502) for a transient failure; StripeRefused (422) for a refusal
 */
async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof Stripe.errors.StripeError) {
      if (isTransient(err)) throw new StripeUnavailable(`${what}: ${err.type}`)
      throw new StripeRefused(`${what}: ${err.message}`)
    }
    throw new StripeUnavailable(`${what}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** The Stripe calls of the payment service. */
export class StripeGateway {
  readonly #stripe: Stripe
  readonly #webhookSecret: string
  readonly #toleranceS: number

  constructor(opts: StripeGatewayOptions) {
    const url = new URL(opts.apiUrl)
    this.#stripe = new Stripe(opts.secretKey, {
      host: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
      protocol: url.protocol === 'https:' ? 'https' : 'http',
      timeout: opts.timeoutMs,
      // Retries are ours (the client's retry with the same Idempotency-Key, the bus's redelivery).
      maxNetworkRetries: 0,
      telemetry: false,
    })
    this.#webhookSecret = opts.webhookSecret
    this.#toleranceS = opts.toleranceS
  }

  /**
   * A PaymentIntent for `amount`, captured automatically on confirmation (escrow is captured money,
   * never a card hold, which expires within 7 days), `transfer_group` = the contract id.
   *
   * @param idempotencyKey - derived from the escrow id: one PaymentIntent per escrow at Stripe
   * @throws StripeUnavailable | StripeRefused
   */
  async createPaymentIntent(
    amount: Money,
    opts: { transferGroup: string; metadata: Record<string, string>; idempotencyKey: string },
  ): Promise<CreatedPaymentIntent> {
    const pi = await call('create the PaymentIntent', () =>
      this.#stripe.paymentIntents.create(
        {
          amount: amount.amountMinor,
          currency: amount.currency.toLowerCase(),
          capture_method: 'automatic',
          automatic_payment_methods: { enabled: true },
          transfer_group: opts.transferGroup,
          metadata: opts.metadata,
        },
        { idempotencyKey: opts.idempotencyKey },
      ),
    )
    if (!pi.client_secret) throw new StripeUnavailable('the PaymentIntent came back without a client secret')
    return { id: pi.id, clientSecret: pi.client_secret }
  }

  /**
   * Refund `amount` of a PaymentIntent's charge.
   *
   * @returns the Stripe Refund id
   * @throws StripeUnavailable | StripeRefused
   */
  async refund(paymentIntentId: string, amount: Money, idempotencyKey: string): Promise<string> {
    const refund = await call('refund the payment', () =>
      this.#stripe.refunds.create(
        { payment_intent: paymentIntentId, amount: amount.amountMinor },
        { idempotencyKey },
      ),
    )
    return refund.id
  }

  /**
   * A Stripe Transfer of `amount` from the platform balance to a Connect account.
   *
   * @returns the Stripe Transfer id
   * @throws StripeUnavailable | StripeRefused
   */
  async transfer(
    amount: Money,
    destination: string,
    opts: { transferGroup: string; idempotencyKey: string },
  ): Promise<string> {
    const transfer = await call('transfer to the payout account', () =>
      this.#stripe.transfers.create(
        {
          amount: amount.amountMinor,
          currency: amount.currency.toLowerCase(),
          destination,
          transfer_group: opts.transferGroup,
        },
        { idempotencyKey: opts.idempotencyKey },
      ),
    )
    return transfer.id
  }

  /**
   * A Connect Express account for a worker (transfers capability requested).
   *
   * @returns the account id (`acct_…`)
   * @throws StripeUnavailable | StripeRefused
   */
  async createExpressAccount(userId: string, idempotencyKey: string): Promise<string> {
    const account = await call('create the payout account', () =>
      this.#stripe.accounts.create(
        { type: 'express', capabilities: { transfers: { requested: true } }, metadata: { userId } },
        { idempotencyKey },
      ),
    )
    return account.id
  }

  /**
   * A one-time onboarding link for a Connect account (Stripe's hosted onboarding).
   *
   * @throws StripeUnavailable | StripeRefused
   */
  async onboardingLink(accountId: string, returnUrl: string): Promise<{ url: string; expiresAt: number }> {
    const link = await call('create the onboarding link', () =>
      this.#stripe.accountLinks.create({
        account: accountId,
        type: 'account_onboarding',
        return_url: returnUrl,
        refresh_url: returnUrl,
      }),
    )
    return { url: link.url, expiresAt: link.expires_at }
  }

  /**
   * Verify a webhook delivery: the `Stripe-Signature` over the raw body with the endpoint secret,
   * and a signed timestamp within the tolerance of `nowS` either way (the SDK refuses only old
   * timestamps; a future one is refused here).
   *
   * @param raw - the request body exactly as received
   * @param nowS - the current time (seconds since the epoch)
   * @throws BadWebhookSignature (400) when the header is missing or malformed, the signature does
   *   not match, or the timestamp is out of tolerance
   */
  verifyWebhook(raw: Buffer, header: string | undefined, nowS: number): StripeEvent {
    if (!header) throw new BadWebhookSignature('the Stripe-Signature header is missing')
    const t = /(?:^|,)\s*t=(\d+)/.exec(header)?.[1]
    if (!t) throw new BadWebhookSignature('the header has no timestamp')
    const skew = Number(t) - nowS
    if (Math.abs(skew) > this.#toleranceS) {
      throw new BadWebhookSignature(
        `the timestamp is ${Math.abs(skew)} s in the ${skew > 0 ? 'future' : 'past'} (tolerance ${this.#toleranceS} s)`,
      )
    }
    try {
      return this.#stripe.webhooks.constructEvent(
        raw,
        header,
        this.#webhookSecret,
        this.#toleranceS,
        undefined,
        nowS,
      )
    } catch (err) {
      throw new BadWebhookSignature(err instanceof Error ? err.message : 'the signature does not verify')
    }
  }
}
