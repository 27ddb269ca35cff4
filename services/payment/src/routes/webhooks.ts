/**
 * `POST /api/webhooks/stripe` — public (Stripe cannot send our tokens; the gateway lets this one
 * path through, gateway/src/routes.ts): the body is kept raw (a Buffer, at most 1 MiB) for the
 * signature check, in this plugin's scope only.
 */
import { StripeWebhookSchema } from '../schemas/webhooks.js'
import { eventContextOf, type PaymentRoutePlugin } from './context.js'

/** The largest webhook body accepted (bytes); Stripe's events are a few kilobytes. */
const MAX_WEBHOOK_BYTES = 1024 * 1024

/** The webhook route. */
export const webhookRoutes: PaymentRoutePlugin = async (app, { webhooks }) => {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_WEBHOOK_BYTES }, (_req, body, done) => {
    done(null, body)
  })
  app.post('/api/webhooks/stripe', { schema: StripeWebhookSchema }, async (request) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
    return webhooks.receive(raw, request.headers['stripe-signature'], eventContextOf(request))
  })
}
