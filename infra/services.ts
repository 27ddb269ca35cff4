/**
 * The runnable apps, in ONE table, and the environment each one gets on a developer machine.
 * A new service adds one line to {@link APPS} (ports: docs/architecture.md, Gateway).
 */
import type { ChildProcess } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import { REPO_ROOT } from './paths.js'
import type { InfraUrls } from './up.js'

/** One runnable app of the repository. */
export interface AppEntry {
  /** Short name: log prefix, database `kelmah_<name>`, `<NAME>_SERVICE_URL`. */
  name: string
  /** Folder relative to the repository root, holding `src/server.ts`. */
  dir: string
  /** Port it listens on locally (docs/architecture.md, Gateway). */
  port: number
}

/**
 * Every app `npm start` runs (it starts auth first whatever the order here: the others fetch its
 * JWKS).
 */
export const APPS: readonly AppEntry[] = [
  { name: 'gateway', dir: 'gateway', port: 5000 },
  { name: 'auth', dir: 'services/auth', port: 3001 },
  { name: 'user', dir: 'services/user', port: 3002 },
  { name: 'messaging', dir: 'services/messaging', port: 3003 },
  { name: 'job', dir: 'services/job', port: 3004 },
  { name: 'payment', dir: 'services/payment', port: 3005 },
  { name: 'review', dir: 'services/review', port: 3006 },
  { name: 'web', dir: 'services/web', port: 3007 },
]

/**
 * The secret that signs Stripe webhooks on a developer machine: the payment service verifies
 * `Stripe-Signature` with `STRIPE_WEBHOOK_SECRET` and defaults to this same value
 * (services/payment/src/config.ts); `npm run stripe:trigger` signs with it (infra/stripe-trigger.ts).
 * Not a secret: stripe-mock sends no webhooks, so locally we are the only signer.
 */
export const LOCAL_STRIPE_WEBHOOK_SECRET = 'whsec_kelmah_local'

/**
 * The Stripe API key on a developer machine. stripe-mock accepts a test key of letters and digits
 * after `sk_test_` only (it answers 401 to `sk_test_kelmah_local`, measured) and checks nothing else.
 */
export const LOCAL_STRIPE_SECRET_KEY = 'sk_test_kelmahlocal'

/**
 * The gateway's per-IP limit on register/login/OTP requests (`RATE_LIMIT_AUTH_MAX`, per
 * `RATE_LIMIT_AUTH_WINDOW_MS` = 1 min) on a developer machine. Production keeps the gateway's
 * default (10): locally every client is 127.0.0.1, and `npm run seed` registers, verifies and
 * signs in hundreds of accounts from it. Set `RATE_LIMIT_AUTH_MAX` yourself to override (e.g. 10
 * to try the real limit).
 */
export const LOCAL_AUTH_RATE_LIMIT = 2_000

/**
 * Auth's `TRUST_PROXY` on a developer machine: the gateway reaches auth over loopback and sends
 * the client's address in `X-Forwarded-For`, so auth believes that header from loopback peers
 * only (Fastify's `trustProxy` names, proxy-addr's `loopback` = 127.0.0.0/8 and ::1). Without it
 * every login counts against the gateway's address, one throttle for all clients. Set
 * `TRUST_PROXY` yourself to override (empty to trust nobody).
 */
export const LOCAL_AUTH_TRUST_PROXY = 'loopback'

/** Host every app listens on locally. */
export const LOCAL_HOST = '127.0.0.1'

/** Base URL of an app on this machine (`http://127.0.0.1:<port>`). */
export function appUrl(app: AppEntry): string {
  return `http://${LOCAL_HOST}:${app.port}`
}

/**
 * `url` with its database path replaced by `/<database>`; options (`?…`) are kept.
 * Works on multi-host URLs (`mongodb://a:1,b:2/x?replicaSet=r`), which WHATWG `URL` rejects.
 */
export function withDatabase(url: string, database: string): string {
  const schemeEnd = url.indexOf('://')
  const hostStart = schemeEnd === -1 ? 0 : schemeEnd + 3
  const queryAt = url.indexOf('?', hostStart)
  const query = queryAt === -1 ? '' : url.slice(queryAt)
  const beforeQuery = queryAt === -1 ? url : url.slice(0, queryAt)
  const slash = beforeQuery.indexOf('/', hostStart)
  const hosts = slash === -1 ? beforeQuery : beforeQuery.slice(0, slash)
  return `${hosts}/${database}${query}`
}

/** Options of {@link appEnv}. */
export interface AppEnvOptions {
  /** The auth service's signing key (`.keys/jwt-es256.pem`, from `infra/keys.ts`). */
  jwtKey?: { file: string; kid: string }
  /** Default LOG_LEVEL when the caller's environment has none (default `info`). */
  logLevel?: string
  /** The app table (default {@link APPS}). */
  apps?: readonly AppEntry[]
}

/**
 * The environment variables of `app` on this machine: PORT, HOST, its own database
 * (`MONGO_URL=…/kelmah_<name>`), the infrastructure URLs, every service's `<NAME>_SERVICE_URL`
 * (the gateway proxies to them), the auth JWKS URL, for the gateway a local-dev
 * `RATE_LIMIT_AUTH_MAX` ({@link LOCAL_AUTH_RATE_LIMIT} unless the caller's environment sets it),
 * for payment only the Stripe credentials (`STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET`: the
 * caller's environment wins, else {@link LOCAL_STRIPE_SECRET_KEY} and
 * {@link LOCAL_STRIPE_WEBHOOK_SECRET}), and — for auth only — the signing key file and id and
 * `TRUST_PROXY` ({@link LOCAL_AUTH_TRUST_PROXY} unless the caller's environment sets it).
 * Only these variables; the caller merges them over `process.env`.
 */
export function appEnv(app: AppEntry, urls: InfraUrls, options: AppEnvOptions = {}): Record<string, string> {
  const apps = options.apps ?? APPS
  const auth = apps.find((a) => a.name === 'auth') ?? { name: 'auth', dir: 'services/auth', port: 3001 }
  const env: Record<string, string> = {
    PORT: String(app.port),
    HOST: LOCAL_HOST,
    LOG_LEVEL: process.env.LOG_LEVEL ?? options.logLevel ?? 'info',
    MONGO_URL: withDatabase(urls.MONGO_URL, `kelmah_${app.name}`),
    AMQP_URL: urls.AMQP_URL,
    REDIS_URL: urls.REDIS_URL,
    SMTP_URL: urls.SMTP_URL,
    MAILDEV_URL: urls.MAILDEV_URL,
    STRIPE_API_URL: urls.STRIPE_API_URL,
    JWT_JWKS_URL: `${appUrl(auth)}/api/auth/.well-known/jwks.json`,
  }
  for (const other of apps) {
    if (other.name === 'gateway') continue
    env[`${other.name.toUpperCase().replace(/-/g, '_')}_SERVICE_URL`] = appUrl(other)
  }
  if (app.name === 'gateway')
    env.RATE_LIMIT_AUTH_MAX = process.env.RATE_LIMIT_AUTH_MAX ?? String(LOCAL_AUTH_RATE_LIMIT)
  if (app.name === 'payment') {
    env.STRIPE_SECRET_KEY = process.env.STRIPE_SECRET_KEY ?? LOCAL_STRIPE_SECRET_KEY
    env.STRIPE_WEBHOOK_SECRET = process.env.STRIPE_WEBHOOK_SECRET ?? LOCAL_STRIPE_WEBHOOK_SECRET
  }
  if (app.name === 'auth') env.TRUST_PROXY = process.env.TRUST_PROXY ?? LOCAL_AUTH_TRUST_PROXY
  // The console's test-mode Stripe stand-in signs with payment's secret (services/web/src/stripe-test.ts).
  if (app.name === 'web')
    env.STRIPE_WEBHOOK_SECRET = process.env.STRIPE_WEBHOOK_SECRET ?? LOCAL_STRIPE_WEBHOOK_SECRET
  if (app.name === 'auth' && options.jwtKey) {
    env.JWT_PRIVATE_KEY_FILE = options.jwtKey.file
    env.JWT_KID = options.jwtKey.kid
  }
  return env
}

/**
 * The `node` arguments that start an app from its folder on this machine: TypeScript through
 * `tsx`, and the service kit's telemetry module first (`@kelmah/service-kit/telemetry`), which
 * starts the OpenTelemetry SDK when `OTEL_EXPORTER_OTLP_ENDPOINT` is set and is a no-op without
 * (it loads nothing else), so it is always there — as in the image's CMD (Dockerfile).
 *
 * @param tsx - the resolved `tsx` loader (`import.meta.resolve('tsx')`)
 */
export function appNodeArgs(tsx: string): string[] {
  return [
    '--conditions=development',
    '--import',
    tsx,
    '--import',
    '@kelmah/service-kit/telemetry',
    'src/server.ts',
  ]
}

/** Absolute folder of an app. */
export function appDir(app: AppEntry): string {
  return path.resolve(REPO_ROOT, app.dir)
}

/** A TCP port on 127.0.0.1 nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, LOCAL_HOST, () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/**
 * Wait until `app`, running as `child`, answers `GET /health/ready` with 2xx, polling every
 * 200 ms (each try times out after 1 s).
 *
 * @throws Error when the child exits first, or after `timeoutMs` milliseconds
 */
export async function appReady(app: AppEntry, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${app.name} exited (${child.exitCode ?? child.signalCode})`)
    try {
      const res = await fetch(`${appUrl(app)}/health/ready`, { signal: AbortSignal.timeout(1_000) })
      await res.arrayBuffer()
      if (res.ok) return
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${app.name} not ready on ${appUrl(app)} within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/**
 * Stop `children`: SIGTERM to each still running, SIGKILL to those not gone `graceMs`
 * milliseconds later; resolves once every one has exited.
 */
export async function stopChildren(children: readonly ChildProcess[], graceMs = 5_000): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve()
          const timer = setTimeout(() => c.kill('SIGKILL'), graceMs)
          c.once('exit', () => {
            clearTimeout(timer)
            resolve()
          })
          c.kill('SIGTERM')
        }),
    ),
  )
}
