/**
 * The one test app factory of every service: an app built by the service's own `buildApp` on a
 * unique database, exchange and service name (so parallel test apps never share data or steal
 * from each other's queues), tokens minted with a throwaway key, an event probe and an event
 * publisher on the app's exchange, and a `close()` that removes all of it.
 *
 * ```ts
 * // services/job/test/fixtures/app.ts
 * export const buildTestApp = (opts = {}) =>
 *   startTestApp({ service: 'job', loadConfig: loadJobConfig, buildApp }, opts)
 * ```
 */
import type { DomainEvent } from '@kelmah/contracts'
import amqp from 'amqplib'
import type { Connection } from 'mongoose'
import { testEnv, uniqueMongoUrl, uniqueName } from './env.js'
import { eventProbe, type EventProbe } from './events.js'
import { dropDatabase } from './mongo.js'
import { eventPublisher, type EventPublisher } from './publish.js'
import { tokenKit, type TokenKit } from './tokens.js'

/**
 * The options of a service's `buildApp` this factory sets — the test-facing part of
 * service-kit's `AppOptions` (repeated here structurally: libs/testing is a dependency of the
 * other libs' tests, so it cannot depend on them).
 */
export interface TestableAppOptions {
  mongoUrl?: string
  busExchange?: string
  serviceName?: string
  logLevel?: string | false
  jwks?: { keys: object[] }
  outboxIntervalMs?: number
}

/** What the factory needs of an app (a service-kit `KelmahApp` has all of it). */
export interface TestableApp {
  ready(): PromiseLike<unknown>
  close(): PromiseLike<unknown>
  inject(opts: {
    method: string
    url: string
    payload?: object
    headers?: Record<string, string>
  }): PromiseLike<{ statusCode: number; headers: Record<string, unknown>; body: string }>
  mongo: Connection
  /** The bus; its consumer queues are removed by `close()`. */
  bus?: { queueNames(): string[] }
}

/** How to build one service's app for tests. */
export interface TestAppSpec<C, O extends TestableAppOptions, A extends TestableApp> {
  /** The service (`job`): prefix of the unique database, exchange and service name. */
  service: string
  /** The service's config loader, given the test environment (unique database, silent logs) plus overrides. */
  loadConfig: (env: Record<string, string>) => C
  /** The service's `buildApp`. */
  buildApp: (opts: O & { config: C }) => Promise<A>
}

/** What a test may override: app options (`now`, `skipSubscriptions`, service-specific ones) and env. */
export type TestAppOverrides<O extends TestableAppOptions> = Partial<O> & {
  /** Extra environment for the config loader (`{ RANKING_CANDIDATE_CAP: '5' }`). */
  env?: Record<string, string>
}

/** A user a test acts as: its id, role and a bearer token the app accepts. */
export interface Actor {
  id: string
  role: 'hirer' | 'worker' | 'admin'
  token: string
}

/** A started test app and what it was built on. */
export interface TestApp<C, A extends TestableApp = TestableApp> {
  app: A
  config: C
  mongoUrl: string
  exchange: string
  /** The unique service name: consumer queues are `<serviceName>.<purpose>`. */
  serviceName: string
  /** Mints access tokens the app accepts. */
  kit: TokenKit
  /** Records every event published on the app's exchange since the app was built. */
  probe: EventProbe
  /** Publishes events onto the app's exchange (as another service would). */
  events: EventPublisher
  /** A fresh user of `role` (email verified unless told otherwise; id random unless given). */
  actor(role: Actor['role'], opts?: { emailVerified?: boolean; id?: string }): Actor
  /**
   * Publish `event` and resolve once the consumer on `<serviceName>.<purpose>` has handled it
   * (its inbox record exists).
   *
   * @throws Error when not handled within `timeoutMs` (default 10 000)
   */
  deliver(event: DomainEvent, purpose: string, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

/**
 * Build and start (`ready()`) a service's app for a test. `close()` stops it and removes its
 * database, queues and exchange.
 */
export async function startTestApp<C, O extends TestableAppOptions, A extends TestableApp>(
  spec: TestAppSpec<C, O, A>,
  overrides: TestAppOverrides<O> = {},
): Promise<TestApp<C, A>> {
  const { env: extraEnv, ...appOverrides } = overrides
  const env = testEnv()
  const mongoUrl = appOverrides.mongoUrl ?? uniqueMongoUrl(`${spec.service}_test`)
  const config = spec.loadConfig({
    MONGO_URL: mongoUrl,
    AMQP_URL: env.amqpUrl,
    REDIS_URL: env.redisUrl,
    LOG_LEVEL: 'silent',
    ...extraEnv,
  })
  const exchange = appOverrides.busExchange ?? uniqueName(`${spec.service}_test_events`)
  const serviceName = appOverrides.serviceName ?? uniqueName(`${spec.service}_test`)
  const kit = tokenKit()
  const app = await spec.buildApp({
    logLevel: false,
    jwks: kit.jwks,
    outboxIntervalMs: 250,
    ...(appOverrides as O),
    config,
    mongoUrl,
    busExchange: exchange,
    serviceName,
  })
  const probe = await eventProbe({ exchange })
  const events = await eventPublisher({ exchange })
  await app.ready()
  return {
    app,
    config,
    mongoUrl,
    exchange,
    serviceName,
    kit,
    probe,
    events,
    actor(role, opts = {}) {
      const id = opts.id ?? `${role}-${Math.random().toString(16).slice(2, 10)}`
      return { id, role, token: kit.sign({ sub: id, role, emailVerified: opts.emailVerified ?? true }) }
    },
    async deliver(event, purpose, timeoutMs = 10_000) {
      await events.publish(event)
      const inbox = app.mongo.collection<{ _id: string }>('inbox')
      const key = `${serviceName}.${purpose}:${event.id}`
      await eventually(
        async () => ((await inbox.findOne({ _id: key })) ? true : undefined),
        timeoutMs,
        `handling of ${event.type} ${event.id}`,
      )
    },
    async close() {
      const queues = app.bus?.queueNames() ?? []
      await events.close()
      await probe.close()
      await app.close()
      await dropDatabase(mongoUrl)
      const conn = await amqp.connect(env.amqpUrl)
      try {
        const ch = await conn.createChannel()
        for (const q of queues) await ch.deleteQueue(q)
        await ch.deleteExchange(exchange)
      } finally {
        await conn.close()
      }
    },
  }
}

/**
 * Poll `check` every 50 ms until it returns a value other than `undefined`.
 *
 * @throws Error naming `what` when `timeoutMs` (default 10 000) passes first
 */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** A parsed JSON body: tests read it freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any

/** A parsed response of {@link call}. */
export interface Res {
  status: number
  headers: Record<string, unknown>
  body: Json
}

/**
 * Inject a JSON request as `actor` (bearer token) or anonymously; `url` is the full path;
 * `headers` are sent as well (e.g. `Idempotency-Key`).
 */
export async function call(
  app: Pick<TestableApp, 'inject'>,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  actor?: { token: string } | null,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Res> {
  const res = await app.inject({
    method,
    url,
    ...(body === undefined ? {} : { payload: body as object }),
    headers: { ...headers, ...(actor ? { authorization: `Bearer ${actor.token}` } : {}) },
  })
  const text = res.body
  return {
    status: res.statusCode,
    headers: res.headers,
    body: text ? (JSON.parse(text) as unknown) : undefined,
  }
}
