/**
 * The web service's error catalogue (docs/errors.md is generated from every `src/errors.ts`).
 */
import createError from '@fastify/error'

/** The test-mode Stripe stand-in could not reach the payment service. */
export const PaymentUnreachable = createError(
  'WEB_ERR_PAYMENT_UNREACHABLE',
  'The payment service did not answer the test-mode webhook (%s); is it running?',
  502,
)
