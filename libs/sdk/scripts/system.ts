/**
 * The Kelmah apps in this process, for the SDK's tooling only (`scripts/generate.ts` and the
 * tests) — never for `src/`, which talks to a gateway over HTTP and depends on no workspace.
 *
 * Each app is built by its own `buildApp` from its own `load<Name>Config`, loaded by file path at
 * run time as `infra/error-codes.ts` loads the error catalogues (services and the gateway export
 * nothing, and a lib must not depend on them: the SDK package lists none of them). Every app of
 * one {@link System} gets a unique database, exchange, service name and Redis prefix, so a system
 * shares nothing with `npm start` or another test; `close()` removes all of it.
 *
 * Needs the local infrastructure (MongoDB/FerretDB, Redis, RabbitMQ — `npm run infra:up`): every
 * `buildApp` connects to its database and Redis before it returns. No Kelmah process needs to run.
 */
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import amqp from 'amqplib'
import { Redis } from 'ioredis'
import { MongoClient } from 'mongodb'

/** The repository root (this file is `libs/sdk/scripts/system.ts`). */
export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..')

/** The parts of a Fastify/service-kit app this file uses. */
export interface LoadedApp {
  ready(): PromiseLike<unknown>
  close(): PromiseLike<unknown>
  listen(opts: { port: number; host: string }): Promise<string>
  swagger(): OpenApiDoc
  bus?: { queueNames(): string[] }
}

/** An OpenAPI document as the gateway's merge reads it (`gateway/src/plugins/docs.ts`). */
export type OpenApiDoc = Record<string, unknown> & {
  paths?: Record<string, unknown>
  components?: Record<string, Record<string, unknown>>
  tags?: Array<{ name: string; description?: string }>
}

/** One row of the gateway's route table (`gateway/src/routes.ts`, `ROUTES`). */
export interface RouteRow {
  service: string
  prefixes: string[]
}

type Loaded = Record<string, unknown>

async function load(file: string): Promise<Loaded> {
  return (await import(pathToFileURL(path.join(REPO_ROOT, file)).href)) as Loaded
}

/** The export of `mod` whose name matches `pattern` (e.g. `loadJobConfig`). @throws Error when none */
function exportMatching<T>(mod: Loaded, pattern: RegExp, file: string): T {
  const name = Object.keys(mod).find((k) => pattern.test(k))
  if (!name) throw new Error(`${file} exports nothing named like ${String(pattern)}`)
  return mod[name] as T
}

/** The gateway's route table and merge function, read from its source. */
export async function gatewayParts(): Promise<{
  routes: readonly RouteRow[]
  mergeOpenApi: (
    base: OpenApiDoc,
    docs: Array<{ service: string; prefixes: string[]; doc: OpenApiDoc }>,
    missing: string[],
  ) => OpenApiDoc
}> {
  const routes = await load('gateway/src/routes.ts')
  const docs = await load('gateway/src/plugins/docs.ts')
  return {
    routes: routes.ROUTES as readonly RouteRow[],
    mergeOpenApi: docs.mergeOpenApi as never,
  }
}

/** Whether the service's app exists in this checkout (a service being built may not have one yet). */
export function hasApp(service: string): boolean {
  return existsSync(path.join(REPO_ROOT, 'services', service, 'src/app.ts'))
}

/** `url` without its database path (single-host URLs, as `@kelmah/testing`'s `testEnv`). */
function mongoServer(url: string): string {
  const u = new URL(url)
  u.pathname = ''
  return u.toString().replace(/\/$/, '')
}

/** Where the infrastructure is (the same variables and defaults as `@kelmah/testing`). */
export function infraEnv(): {
  MONGO_URL: string
  AMQP_URL: string
  REDIS_URL: string
  SMTP_URL: string
  MAILDEV_URL: string
  STRIPE_API_URL: string
} {
  return {
    MONGO_URL: mongoServer(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017'),
    AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    SMTP_URL: process.env.SMTP_URL ?? 'smtp://127.0.0.1:1025',
    MAILDEV_URL: process.env.MAILDEV_URL ?? 'http://127.0.0.1:1080',
    STRIPE_API_URL: process.env.STRIPE_API_URL ?? 'http://127.0.0.1:12111',
  }
}

/** Options of {@link System.build}. */
export interface BuildOptions {
  /** Environment for the config loader on top of the system's (`{ ACCESS_TOKEN_TTL_S: '60' }`). */
  env?: Record<string, string>
  /** Extra `buildApp` options (`{ argon2: … }`). */
  options?: Record<string, unknown>
}

/**
 * A set of Kelmah apps sharing one unique exchange and Redis prefix (so their events reach each
 * other and nothing else), each on its own unique database.
 */
export class System {
  readonly run = `sdk_${randomBytes(5).toString('hex')}`
  readonly exchange = `${this.run}_events`
  readonly redisPrefix = `${this.run}:`
  readonly infra = infraEnv()
  /** The access-token key of this system: auth signs with it, everyone else trusts its JWKS. */
  readonly kid = `${this.run}-key`
  readonly privateKeyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString()
  readonly #apps: Array<{ app: LoadedApp; database?: string }> = []

  /** Build the app of `service` (`auth`, `job`, …) on a unique database; not started. */
  async build(service: string, opts: BuildOptions = {}): Promise<LoadedApp> {
    const dir = `services/${service}/src`
    const appModule = await load(`${dir}/app.ts`)
    const configModule = await load(`${dir}/config.ts`)
    const loadConfig = exportMatching<(env: Record<string, string>) => unknown>(
      configModule,
      /^load\w*Config$/,
      `${dir}/config.ts`,
    )
    const buildApp = appModule.buildApp as (opts: Record<string, unknown>) => Promise<LoadedApp>
    const database = `${this.run}_${service}`
    const config = loadConfig({
      ...this.infra,
      MONGO_URL: `${this.infra.MONGO_URL}/${database}`,
      JWT_JWKS_URL: 'http://127.0.0.1:1/jwks.json',
      JWT_PRIVATE_KEY: this.privateKeyPem,
      JWT_KID: this.kid,
      STRIPE_SECRET_KEY: 'sk_test_kelmahlocal',
      STRIPE_WEBHOOK_SECRET: 'whsec_kelmah_local',
      LOG_LEVEL: 'silent',
      ...opts.env,
    })
    const app = await buildApp({
      config,
      logLevel: false,
      mongoUrl: `${this.infra.MONGO_URL}/${database}`,
      busExchange: this.exchange,
      serviceName: `${this.run}_${service}`,
      redisKeyPrefix: `${this.redisPrefix}${service}:`,
      jwks: this.jwks(),
      outboxIntervalMs: 250,
      privateKeyPem: this.privateKeyPem,
      ...opts.options,
    })
    this.#apps.push({ app, database })
    return app
  }

  /** Build the gateway in front of `upstreams` (service → base URL); not started. */
  async gateway(upstreams: Record<string, string>, env: Record<string, string> = {}): Promise<LoadedApp> {
    const appModule = await load('gateway/src/app.ts')
    const configModule = await load('gateway/src/config.ts')
    const loadConfig = configModule.loadGatewayConfig as (env: Record<string, string>) => unknown
    const urls = Object.fromEntries(
      Object.entries(upstreams).map(([service, url]) => [`${service.toUpperCase()}_SERVICE_URL`, url]),
    )
    const config = loadConfig({
      REDIS_URL: this.infra.REDIS_URL,
      JWT_JWKS_URL: 'http://127.0.0.1:1/jwks.json',
      RATE_LIMIT_NAMESPACE: `${this.redisPrefix}gateway:rl:`,
      RATE_LIMIT_AUTH_MAX: '1000',
      LOG_LEVEL: 'silent',
      ...urls,
      ...env,
    })
    const buildApp = appModule.buildApp as (opts: Record<string, unknown>) => Promise<LoadedApp>
    const app = await buildApp({ config, jwks: this.jwks(), logLevel: false })
    this.#apps.push({ app })
    return app
  }

  /** The public JWKS of {@link privateKeyPem} (what auth serves at `/.well-known/jwks.json`). */
  jwks(): { keys: object[] } {
    const jwk = createPublicKey(this.privateKeyPem).export({ format: 'jwk' })
    return { keys: [{ ...jwk, kid: this.kid, alg: 'ES256', use: 'sig' }] }
  }

  /** Close every app (last built first), then drop the databases, queues, exchange and Redis keys. */
  async close(): Promise<void> {
    const queues = this.#apps.flatMap(({ app }) => app.bus?.queueNames() ?? [])
    for (const { app } of [...this.#apps].reverse()) await app.close()
    const mongo = new MongoClient(this.infra.MONGO_URL)
    try {
      await mongo.connect()
      for (const { database } of this.#apps) if (database) await mongo.db(database).dropDatabase()
    } finally {
      await mongo.close()
    }
    const conn = await amqp.connect(this.infra.AMQP_URL)
    try {
      const ch = await conn.createChannel()
      for (const q of queues) await ch.deleteQueue(q)
      await ch.deleteExchange(this.exchange)
    } finally {
      await conn.close()
    }
    const redis = new Redis(this.infra.REDIS_URL)
    try {
      const keys = await redis.keys(`${this.redisPrefix}*`)
      if (keys.length > 0) await redis.del(...keys)
    } finally {
      redis.disconnect()
    }
  }
}
