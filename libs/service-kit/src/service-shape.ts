/**
 * The pieces every service's `app.ts` and routes are written with, so one read teaches all of
 * them (docs/architecture.md, How to add a service):
 *
 * - {@link AppOptions} — what every `buildApp(opts)` takes besides its config (tests override
 *   database, exchange, service name, keys, clock), and {@link serviceOptions} mapping them onto
 *   {@link ServiceOptions} the same way everywhere;
 * - {@link authenticated} — a route plugin whose every route needs a verified token, checked in
 *   an `onRequest` hook of the plugin's scope, so a missing token is a 401 before validation;
 * - {@link callerOf} — the {@link Caller} of a request; {@link eventContextOf} — the
 *   `EventContext` of the events a request causes;
 * - {@link RoutePlugin} — the type of a route plugin, registered without casts.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { EventContext, Producer } from '@kelmah/contracts'
import type { FastifyPluginAsync, FastifyPluginOptions, FastifyRequest, RawServerDefault } from 'fastify'
import type { JsonWebKey } from 'node:crypto'
import type { AccessClaims } from './auth.js'
import type { ServiceOptions } from './build-service.js'
import { Unauthorized } from './errors.js'
import type { Clock } from './store.js'

/** The authenticated user a use case acts for: the verified token's subject, role and facts. */
export interface Caller {
  /** User id (the token's `sub`). */
  sub: string
  role: AccessClaims['role']
  emailVerified: boolean
  /** The session (refresh-token family) the token belongs to, when the token names one. */
  sid?: string
}

/**
 * The caller of an authenticated request.
 *
 * @throws Unauthorized (401) when the request carries no verified user — a route outside an
 *   {@link authenticated} plugin
 */
export function callerOf(request: FastifyRequest): Caller {
  const user = request.user
  if (!user) throw new Unauthorized('send an access token as "Authorization: Bearer <token>"')
  return {
    sub: user.sub,
    role: user.role,
    emailVerified: user.emailVerified,
    ...(user.sid ? { sid: user.sid } : {}),
  }
}

/**
 * The context of the events a request causes: this service as producer, the request id as
 * correlation id, the request's W3C `traceparent` (src/trace.ts) carried to their consumers.
 */
export function eventContextOf(request: FastifyRequest): EventContext {
  return {
    producer: request.server.producer,
    correlationId: request.id,
    ...(request.traceparent ? { traceparent: request.traceparent } : {}),
  }
}

/** A route plugin of a Kelmah service (TypeBox-typed), registered as `app.register(plugin, opts)`. */
export type RoutePlugin<O extends FastifyPluginOptions = FastifyPluginOptions> = FastifyPluginAsync<
  O,
  RawServerDefault,
  TypeBoxTypeProvider
>

/**
 * `plugin` with every one of its routes behind `app.authenticate`, run in an `onRequest` hook of
 * the plugin's own scope (encapsulated: routes registered elsewhere are untouched). `onRequest`
 * runs before body parsing and validation, so a request without a valid token is a 401 whatever
 * its body.
 */
export function authenticated<O extends FastifyPluginOptions>(plugin: RoutePlugin<O>): RoutePlugin<O> {
  return async function authenticatedRoutes(scope, opts) {
    scope.addHook('onRequest', scope.authenticate)
    await plugin(scope, opts)
  }
}

/** What every service's `buildApp(opts)` takes besides its configuration. */
export interface AppOptions {
  /** Overrides the configured MongoDB URL (tests use a unique database). */
  mongoUrl?: string
  /** Exchange override (tests use a unique one); default `kelmah.events`. */
  busExchange?: string
  /**
   * Service name for logs and consumer queues (`<name>.<purpose>`); default the service's own.
   * Tests use a unique one so parallel test apps never share (and steal from) a queue.
   */
  serviceName?: string
  /** pino level, or `false` for no logs; default the configured `LOG_LEVEL`. */
  logLevel?: string | false
  /** A fixed JWKS (tests mint tokens with `tokenKit()`); default: fetch the configured JWKS URL. */
  jwks?: { keys: Array<JsonWebKey & { kid?: string }> }
  /** Milliseconds between outbox sweeps. */
  outboxIntervalMs?: number
  /** The clock (tests move time); default the system clock. */
  now?: Clock
  /** Do not subscribe to events (tests that call handlers directly). Default false. */
  skipSubscriptions?: boolean
  /** Connections of `app.mongoSafe` on FerretDB (benches compare sizes); default the kit's. */
  mongoSafePoolSize?: number
}

/** The configuration fields {@link serviceOptions} reads (every service's config has them). */
export interface BaseConfig {
  MONGO_URL: string
  AMQP_URL: string
  REDIS_URL: string
  LOG_LEVEL: string
  JWT_ISSUER: string
  JWT_AUDIENCE: string
  /** The auth service's JWKS URL (every service but auth, which has its own keys). */
  JWT_JWKS_URL?: string
  /** Port of the `/metrics` listener; 0 = none. */
  METRICS_PORT?: number
  /** `classic` or `quorum` queues. */
  AMQP_QUEUE_TYPE?: 'classic' | 'quorum'
}

/**
 * {@link ServiceOptions} for service `name` from its config and {@link AppOptions}, the same
 * mapping in every service: the test overrides win, tokens are verified with the given JWKS or
 * the auth service's (zero trust: every service verifies again).
 *
 * @param extra - what differs per service (`openapi`, `bodyLimit`, an own `auth` for the auth service)
 */
export function serviceOptions(
  name: Producer,
  config: BaseConfig,
  opts: AppOptions,
  extra: Partial<ServiceOptions> = {},
): ServiceOptions {
  return {
    name: opts.serviceName ?? name,
    producer: name,
    logLevel: opts.logLevel ?? config.LOG_LEVEL,
    mongoUrl: opts.mongoUrl ?? config.MONGO_URL,
    redisUrl: config.REDIS_URL,
    amqpUrl: config.AMQP_URL,
    ...(opts.busExchange ? { busExchange: opts.busExchange } : {}),
    ...(opts.outboxIntervalMs ? { outboxIntervalMs: opts.outboxIntervalMs } : {}),
    ...(opts.mongoSafePoolSize !== undefined ? { mongoSafePoolSize: opts.mongoSafePoolSize } : {}),
    auth: {
      ...(opts.jwks ? { jwks: opts.jwks } : config.JWT_JWKS_URL ? { jwksUrl: config.JWT_JWKS_URL } : {}),
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
    },
    ...(opts.now ? { now: opts.now } : {}),
    ...(config.METRICS_PORT ? { metricsPort: config.METRICS_PORT } : {}),
    ...(config.AMQP_QUEUE_TYPE ? { amqpQueueType: config.AMQP_QUEUE_TYPE } : {}),
    ...extra,
  }
}
