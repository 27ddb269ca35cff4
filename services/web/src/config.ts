/**
 * The web console service's configuration: one env schema, checked at boot (docs/conventions.md,
 * Configuration). A missing or bad variable stops the process with a message naming it.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { baseConfig, loadConfig } from '@kelmah/service-kit'
import Type, { type Static } from 'typebox'

const here = path.dirname(fileURLToPath(import.meta.url))
/** The workspace folder: this file runs from `src/` (tsx) or `dist/src/` (compiled). */
const WORKSPACE = path.resolve(here, here.endsWith(path.join('dist', 'src')) ? '../..' : '..')

/** Where `vite build` writes the app (`services/web/dist/client`). */
export const DEFAULT_CLIENT_DIR = path.join(WORKSPACE, 'dist', 'client')

/** Env schema of the web service. */
export const WebConfigSchema = Type.Object({
  ...baseConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: 3007 }),
  /** The built app (index.html and assets/), absolute. */
  WEB_CLIENT_DIR: Type.String({ minLength: 1, default: DEFAULT_CLIENT_DIR }),
  /**
   * TEST MODE ONLY — never set in production. With it (and `PAYMENT_SERVICE_URL`) the console
   * offers "Confirm the payment (test mode)": `POST /console/stripe/payment-succeeded` signs a
   * `payment_intent.succeeded` with this secret and delivers it to the payment service's webhook,
   * standing in for Stripe, which stripe-mock cannot (it sends no webhooks). Locally it is the
   * payment service's secret (infra/services.ts); the k8s manifest leaves it unset.
   */
  STRIPE_WEBHOOK_SECRET: Type.Optional(Type.String({ pattern: '^$|^whsec_' })),
  /** The payment service, for the test-mode webhook above. */
  PAYMENT_SERVICE_URL: Type.Optional(Type.String({ pattern: '^$|^https?://' })),
})

/** The typed configuration. */
export type WebConfig = Static<typeof WebConfigSchema>

/**
 * Load the configuration from `env`.
 *
 * @throws ConfigError naming every bad or missing variable
 */
export function loadWebConfig(env: Record<string, string | undefined> = process.env): WebConfig {
  return loadConfig(WebConfigSchema, env)
}
