/** Route schema of the Stripe webhook endpoint. */
import Type from 'typebox'
import { problems } from './common.js'

/** `POST /api/webhooks/stripe`. */
export const StripeWebhookSchema = {
  summary: 'Stripe webhook endpoint (public: verified by Stripe-Signature, not a token)',
  description:
    'The raw body is verified with the endpoint secret and a 300 s tolerance either way. A replayed event id is acknowledged with no second effect; unknown types are acknowledged.',
  tags: ['webhooks'],
  headers: Type.Object({ 'stripe-signature': Type.Optional(Type.String({ maxLength: 2000 })) }),
  response: {
    200: Type.Object({
      received: Type.Boolean(),
      eventId: Type.String(),
      status: Type.String(),
      duplicate: Type.Boolean(),
    }),
    ...problems(400, 415),
  },
} as const
