/**
 * Stripe webhook deliveries made by us: stripe-mock sends no webhooks (docs/architecture.md,
 * Infrastructure), so the demo, the tests and `npm run stripe:trigger` (infra/stripe-trigger.ts)
 * build the event and sign it the way Stripe does, with the official SDK.
 *
 * Signing: `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed by the
 * secret>`. The receiver (the payment service) must verify the exact bytes sent, so sign the string
 * you send and send nothing else.
 */
import { randomBytes } from 'node:crypto'
import Stripe from 'stripe'

/**
 * The `Stripe-Signature` header value for `payload` (the raw body, exactly as it will be sent).
 *
 * @param payload - the request body, a JSON string
 * @param secret - the endpoint's signing secret (`whsec_…`; locally `STRIPE_WEBHOOK_SECRET`,
 *   default `whsec_kelmah_local`, infra/services.ts)
 * @param timestampSeconds - the signature's time, Unix **seconds** (default: now). The payment
 *   service accepts 300 s either way, so an old value makes a signature it refuses (for tests).
 * @returns `t=<timestampSeconds>,v1=<64 hex digits>`
 */
export function signStripePayload(payload: string, secret: string, timestampSeconds?: number): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret,
    timestamp: timestampSeconds ?? Math.floor(Date.now() / 1000),
  })
}

/** A Stripe event as delivered to a webhook endpoint (the fields Stripe always sends). */
export interface StripeEventJson<T extends object = Record<string, unknown>> {
  /** `evt_…`, unique per event: receivers deduplicate on it. */
  id: string
  object: 'event'
  /** E.g. `payment_intent.succeeded`. */
  type: string
  /** When the event happened, Unix **seconds**. */
  created: number
  data: { object: T }
  livemode: false
  /** The API version the object is rendered in (the SDK's pinned version). */
  api_version: string
  pending_webhooks: number
  request: { id: null }
}

/** Options of {@link stripeEvent}. */
export interface StripeEventOptions {
  /** Event id (default: `evt_` + 24 random hex digits). Reuse one to test duplicate deliveries. */
  id?: string
  /** Unix **seconds** (default: now). */
  created?: number
}

/**
 * A Stripe event of `type` about `object`, shaped like Stripe's own (test mode, the SDK's API
 * version). Serialise it once with `JSON.stringify` and sign that string with
 * {@link signStripePayload}.
 *
 * @param type - the event type, e.g. `payment_intent.succeeded`
 * @param object - the resource the event is about (`data.object`), e.g. a PaymentIntent
 */
export function stripeEvent<T extends object>(
  type: string,
  object: T,
  options: StripeEventOptions = {},
): StripeEventJson<T> {
  return {
    id: options.id ?? `evt_${randomBytes(12).toString('hex')}`,
    object: 'event',
    type,
    created: options.created ?? Math.floor(Date.now() / 1000),
    data: { object },
    livemode: false,
    api_version: Stripe.API_VERSION,
    pending_webhooks: 0,
    request: { id: null },
  }
}
