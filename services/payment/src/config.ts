/**
 * The payment service's configuration: one env schema, checked at boot (docs/conventions.md,
 * Configuration). A missing or bad variable stops the process with a message naming it.
 */
import { baseConfig, loadConfig, storageConfig } from '@kelmah/service-kit'
import Type, { type Static } from 'typebox'

/** Env schema of the payment service. */
export const PaymentConfigSchema = Type.Object({
  ...baseConfig,
  ...storageConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: 3005 }),
  /** Stripe secret key. Locally any `sk_test_…` (stripe-mock accepts it); in production the live key, from a Secret. */
  STRIPE_SECRET_KEY: Type.String({ pattern: '^(sk|rk)_(test|live)_', default: 'sk_test_kelmahlocal' }),
  /** Where the Stripe API answers: stripe-mock locally (infra/up), `https://api.stripe.com` in production. */
  STRIPE_API_URL: Type.String({ format: 'uri', default: 'http://127.0.0.1:12111' }),
  /** The webhook endpoint's signing secret (`whsec_…`); locally `whsec_kelmah_local` (infra/README.md). */
  STRIPE_WEBHOOK_SECRET: Type.String({ pattern: '^whsec_', default: 'whsec_kelmah_local' }),
  /** How far a webhook's signed timestamp may be from now, either way (seconds). */
  STRIPE_WEBHOOK_TOLERANCE_S: Type.Integer({ minimum: 1, maximum: 3600, default: 300 }),
  /** Time limit of one Stripe API call (milliseconds). */
  STRIPE_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
  /** The platform fee on every release, in basis points (1000 = 10 %; domain/fees.ts). */
  PLATFORM_FEE_BPS: Type.Integer({ minimum: 0, maximum: 5000, default: 1000 }),
  /** Where Stripe's Connect onboarding sends the worker back to (the account link's return/refresh URLs). */
  PAYOUT_ONBOARDING_RETURN_URL: Type.String({ format: 'uri', default: 'http://127.0.0.1:5000/wallet' }),
})

/** The typed configuration. */
export type PaymentConfig = Static<typeof PaymentConfigSchema>

/**
 * Load the configuration from `env`.
 *
 * @throws ConfigError naming every bad or missing variable
 */
export function loadPaymentConfig(env: Record<string, string | undefined> = process.env): PaymentConfig {
  return loadConfig(PaymentConfigSchema, env)
}
