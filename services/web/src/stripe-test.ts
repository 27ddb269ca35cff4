/**
 * TEST MODE ONLY: the console's stand-in for Stripe's webhook delivery (stripe-mock sends none).
 * `POST /console/stripe/payment-succeeded {paymentIntentId, amountMinor, currency}` builds a
 * `payment_intent.succeeded` event, signs it as Stripe does (`Stripe-Signature: t=<s>,v1=<hex
 * HMAC-SHA256 of "<t>.<body>">`, the same scheme as infra/stripe-webhook.ts) with
 * `STRIPE_WEBHOOK_SECRET`, and posts it to the payment service's `/api/webhooks/stripe`, answering
 * the payment service's answer. Registered only when the secret and `PAYMENT_SERVICE_URL` are set
 * (locally by infra/services.ts; never in the k8s manifest).
 *
 * @see https://docs.stripe.com/webhooks#verify-manually
 */
import { createHmac, randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { PaymentUnreachable } from './errors.js'

/** Options of {@link stripeTestRoutes}. */
export interface StripeTestOptions {
  /** `whsec_…`: the payment service's webhook secret. */
  secret: string
  /** The payment service's base URL. */
  paymentUrl: string
}

/** The path the console calls. */
export const STRIPE_TEST_PATH = '/console/stripe/payment-succeeded'

/** `t=<seconds>,v1=<hex>` for `payload` signed with `secret` (Stripe's scheme). */
export function stripeSignature(
  payload: string,
  secret: string,
  seconds = Math.floor(Date.now() / 1000),
): string {
  const v1 = createHmac('sha256', secret).update(`${seconds}.${payload}`).digest('hex')
  return `t=${seconds},v1=${v1}`
}

const Body = Type.Object(
  {
    paymentIntentId: Type.String({ pattern: '^pi_\\w+$', maxLength: 255 }),
    amountMinor: Type.Integer({ minimum: 1, maximum: 100_000_000_000 }),
    currency: Type.String({ pattern: '^[A-Za-z]{3}$' }),
  },
  { additionalProperties: false },
)

/** Register the test-mode webhook stand-in on `app`. */
export async function stripeTestRoutes(app: FastifyInstance, opts: StripeTestOptions): Promise<void> {
  app.post<{ Body: { paymentIntentId: string; amountMinor: number; currency: string } }>(
    STRIPE_TEST_PATH,
    {
      schema: {
        body: Body,
        response: { 200: Type.Object({ status: Type.String() }, { additionalProperties: true }) },
      },
    },
    async (request, reply) => {
      const { paymentIntentId, amountMinor, currency } = request.body
      const event = {
        id: `evt_${randomBytes(12).toString('hex')}`,
        object: 'event',
        type: 'payment_intent.succeeded',
        created: Math.floor(Date.now() / 1000),
        data: {
          object: {
            id: paymentIntentId,
            object: 'payment_intent',
            amount: amountMinor,
            amount_received: amountMinor,
            currency: currency.toLowerCase(),
            status: 'succeeded',
            metadata: {},
          },
        },
        livemode: false,
        pending_webhooks: 0,
        request: { id: null },
      }
      const payload = JSON.stringify(event)
      let res: Response
      try {
        res = await fetch(`${opts.paymentUrl.replace(/\/+$/, '')}/api/webhooks/stripe`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'stripe-signature': stripeSignature(payload, opts.secret),
            'x-request-id': request.id,
          },
          body: payload,
          signal: AbortSignal.timeout(10_000),
        })
      } catch (err) {
        throw new PaymentUnreachable((err as Error).message)
      }
      const type = res.headers.get('content-type') ?? 'application/json'
      return reply
        .code(res.status)
        .type(type)
        .send(await res.text())
    },
  )
}
