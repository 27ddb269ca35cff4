/**
 * `buildService()`: the Fastify instance every Kelmah process starts from — gateway and services
 * alike — so logging, request ids, errors, health, auth, OpenAPI and shutdown work one way
 * everywhere (docs/conventions.md, Shared mechanisms).
 */
import swagger from '@fastify/swagger'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Bus, OutboxRelay, type QueueType } from '@kelmah/bus'
import { isProducer, type Producer } from '@kelmah/contracts'
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify'
import { Redis } from 'ioredis'
import mongoose, { type Connection } from 'mongoose'
import { jwtAuth, type JwtOptions } from './auth.js'
import { clientErrorOptions, clientErrors } from './client-errors.js'
import { health } from './health.js'
import { traceContext } from './trace.js'
import { metrics } from './metrics.js'
import { problemDetails } from './problem.js'
import { genReqId, REQUEST_ID_HEADER } from './request-id.js'
import { AggregateStore, systemClock, type AnyModel, type Clock, type StoreOptions } from './store.js'

/** A Kelmah Fastify instance, typed for TypeBox route schemas. */
export type KelmahApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>

/** What a service needs; leave a part out and it is not set up (the gateway has no database). */
export interface ServiceOptions {
  /** Service name: `auth`, `gateway`, … Used in logs, health, the bus (`<service>.<purpose>` queues). */
  name: string
  /**
   * The `producer` of the events this process makes (requests and handlers alike). Default
   * `name` when it is a known producer, else `test`.
   */
  producer?: Producer
  /** The clock of the stores (`updatedAt`). Default the system clock. */
  now?: Clock
  /** pino level, or `false` for no logs (tests). Default `info`. */
  logLevel?: string | false
  /** The service's own database, e.g. `mongodb://127.0.0.1:27017/kelmah_auth`. */
  mongoUrl?: string
  redisUrl?: string
  /** RabbitMQ URL; sets up `app.bus` (and needs `mongoUrl` for the consumer inbox). */
  amqpUrl?: string
  /** Exchange override for tests; default `kelmah.events`. */
  busExchange?: string
  /** Access-token verification; sets up `app.authenticate`. */
  auth?: JwtOptions
  /** OpenAPI info for `/openapi.json`. */
  openapi?: { title: string; description?: string; version?: string }
  /** Largest accepted body, bytes (default 1 MiB). */
  bodyLimit?: number
  /**
   * Milliseconds each plugin may take to start (Fastify's `pluginTimeout`; default 30000, three
   * times Fastify's own 10 s): index builds and the first broker connection ran past 10 s on a
   * loaded 2-core machine (libs/sdk/scripts/generate.ts builds every app in one process).
   */
  pluginTimeoutMs?: number
  /** Milliseconds between outbox sweeps (default 5000; a store write with events relays them at once). */
  outboxIntervalMs?: number
  /**
   * Fastify `trustProxy`: which proxies' `X-Forwarded-For` to believe for `request.ip` (e.g. the
   * ingress's CIDR list). Default `false` — trust nobody.
   */
  trustProxy?: boolean | string | string[]
  /** Skip Fastify's two per-request log lines (the gateway's hot path); errors are still logged. */
  disableRequestLogging?: boolean
  /** Port of the `/metrics` listener `runService` starts (`METRICS_PORT`); 0 or unset = none (src/metrics.ts). */
  metricsPort?: number
  /** Type of the bus's queues (`AMQP_QUEUE_TYPE`): `classic` (default) or `quorum`. */
  amqpQueueType?: QueueType
  /**
   * Connections of the second, isolation-free pool `app.mongoSafe` on FerretDB (default
   * {@link DEFAULT_SAFE_POOL_SIZE}); 0 = none (`app.mongoSafe` is `app.mongo`). Ignored on MongoDB 7,
   * whose one pool serves both.
   */
  mongoSafePoolSize?: number
}

/**
 * Connections of `app.mongoSafe` on FerretDB. Measured with the messaging bench (25 pairs, seeded
 * database, services/messaging/README.md#benchmark, a shared machine at load 10–30): 3 gave 62–66
 * messages/s, 2 gave 34–47 and 4 gave 45 (one more connection only adds waiting on 2 cores).
 */
export const DEFAULT_SAFE_POOL_SIZE = 3

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The service's own MongoDB connection (only when `mongoUrl` was given): every guarded update
     * goes here. On FerretDB it is ONE connection (see `connectMongo`).
     */
    mongo: Connection
    /**
     * The connection for operations that are safe without isolation between connections (only
     * when `mongoUrl` was given): **reads** (`find`, `findOne`, counts — a read sees committed
     * writes of any connection, and a stale one is what any read can be), and **inserts that
     * commit by a unique key** (`_id` or a unique index — the database refuses the second of two
     * racing inserts on every connection, FerretDB included: 0 duplicates in 160 concurrent
     * inserts, docs/ferretdb.md). Never updates, upserts, deletes or `findOneAndUpdate`: on
     * FerretDB 1.24 those are read-modify-write, isolated only within one connection.
     *
     * On FerretDB a second connection with a pool of `mongoSafePoolSize` (no index builds, no
     * buffering), so reads and inserts stop queueing behind the one guarded connection; on
     * MongoDB 7 (or with `mongoSafePoolSize: 0`) the same object as `mongo`. Compile models on
     * it with `app.safeModel(Model)`.
     */
    mongoSafe: Connection
    /**
     * `model` (compiled on `app.mongo`) on `app.mongoSafe`: same name, schema and collection, for
     * the operations {@link FastifyInstance.mongoSafe} names — reads and unique inserts. The
     * model itself when both are one connection. Cached per model name.
     *
     * Its writes do not prompt the outbox relay (whose notes are by primary model): insert a
     * document with outbox entries through `app.store(Model, { name, safeCreate: true })` instead.
     */
    safeModel: <M extends AnyModel>(model: M) => M
    /** Redis (only when `redisUrl` was given). Auto-pipelined. */
    redis: Redis
    /** The event bus (only when `amqpUrl` was given). Started on `ready`, closed on `close`. */
    bus: Bus
    /** The `producer` of this process's events (see `eventContextOf`). */
    producer: Producer
    /** The clock of this service (`ServiceOptions.now`). */
    now: Clock
    /**
     * The write path of one aggregate: an {@link AggregateStore} over `model` (whose schema uses
     * `outboxPlugin`), bound to this service's outbox relay and clock — events written with a
     * change are published right after the write and cleared after the broker confirms.
     *
     * @throws Error without `amqpUrl` (no bus to relay to); TypeError for a schema without
     *   outbox or version field
     */
    store: <TDoc extends { _id: unknown }>(
      model: AnyModel,
      opts: Omit<StoreOptions, 'relay' | 'createWith'> & AppStoreOptions,
    ) => AggregateStore<TDoc>
  }
}

/** What `app.store` takes besides {@link StoreOptions}. */
export interface AppStoreOptions {
  /**
   * Insert new aggregates (`create`) through `app.safeModel(model)`: on FerretDB the unique
   * insert runs on the safe pool instead of queueing behind the guarded connection, and the
   * store notes the document for the relay (on the primary connection) and kicks it, so its
   * events go out at once as with any store write. `change` and `write` stay on `app.mongo`.
   *
   * Only for a schema whose save middleware writes nothing (the outbox plugin's is fine): the
   * insert skips user `post('save')` middleware, which would run against the safe connection.
   * Default false.
   */
  safeCreate?: boolean
}

/**
 * Build a service's Fastify instance with every shared mechanism registered. Routes are added by
 * the caller; nothing listens (see `runService`).
 *
 * Connects to MongoDB and Redis before returning (failing fast with the dependency named); the
 * bus connects on `ready` and keeps reconnecting by itself.
 *
 * @throws Error when MongoDB or Redis cannot be reached within a few seconds
 */
export async function buildService(opts: ServiceOptions): Promise<KelmahApp> {
  const app = Fastify({
    logger:
      opts.logLevel === false
        ? false
        : {
            level: opts.logLevel ?? 'info',
            base: { service: opts.name },
            redact: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.refreshToken'],
            serializers: {
              // WebSocket upgrades may carry the access token as ?token=: never log it.
              req: (req: { method: string; url: string; hostname?: string; ip?: string }) => ({
                method: req.method,
                url: req.url.replace(/([?&]token=)[^&]*/gi, '$1[redacted]'),
                host: req.hostname,
                remoteAddress: req.ip,
              }),
            },
          },
    genReqId,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    pluginTimeout: opts.pluginTimeoutMs ?? 30_000,
    // Parser, router and shutdown refusals as problem+json too (src/client-errors.ts).
    ...clientErrorOptions,
    trustProxy: opts.trustProxy ?? false,
    logController: new LogController({ disableRequestLogging: opts.disableRequestLogging ?? false }),
    ajv: { customOptions: { removeAdditional: true, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>()
  const now = opts.now ?? systemClock
  app.decorate('producer', opts.producer ?? (isProducer(opts.name) ? opts.name : 'test'))
  app.decorate('now', now)

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id)
  })
  // While shutting down, tell keep-alive clients (the gateway's pool, browsers) not to reuse the
  // connection, so in-flight requests finish and their sockets close instead of holding the drain.
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close')
    return payload
  })
  await app.register(clientErrors)

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: opts.openapi?.title ?? `Kelmah ${opts.name}`,
        description: opts.openapi?.description,
        version: opts.openapi?.version ?? '0.1.0',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  await app.register(problemDetails)
  await app.register(health, { service: opts.name })
  await app.register(traceContext)
  await app.register(metrics, { service: opts.name, port: opts.metricsPort ?? 0 })
  if (opts.auth) await app.register(jwtAuth, opts.auth)

  const closers: Array<() => Promise<unknown>> = []

  if (opts.mongoUrl) {
    const { conn, safe } = await connectMongo(
      opts.mongoUrl,
      app.log,
      opts.mongoSafePoolSize ?? DEFAULT_SAFE_POOL_SIZE,
    )
    app.decorate('mongo', conn)
    app.decorate('mongoSafe', safe)
    app.decorate('safeModel', <M extends AnyModel>(model: M): M => safeModelOf(safe, model))
    // Up = connected and the driver's last heartbeat (its monitor's `hello`, on a connection of its
    // own every few seconds) answered. Not a ping through the pool: on FerretDB the pool is one
    // connection, and a ping queued behind a busy instance's queries timed out the probe, so under
    // load both job instances left the load balancer at once (infra/drill/rolling-restart.ts).
    // With a safe pool, both connections must be up: requests read and insert through it.
    const up = [conn, ...(safe === conn ? [] : [safe])].map((c) => {
      const state = { heartbeatOk: true }
      c.getClient().on('serverHeartbeatSucceeded', () => (state.heartbeatOk = true))
      c.getClient().on('serverHeartbeatFailed', () => (state.heartbeatOk = false))
      return () => c.readyState === mongoose.ConnectionStates.connected && state.heartbeatOk
    })
    app.addReadinessCheck('mongodb', () => up.every((isUp) => isUp()))
    closers.push(() => conn.close())
    if (safe !== conn) closers.push(() => safe.close())
  }

  if (opts.redisUrl) {
    const redis = new Redis(opts.redisUrl, {
      lazyConnect: true,
      enableAutoPipelining: true,
      maxRetriesPerRequest: 2,
      connectTimeout: 5_000,
    })
    redis.on('error', (err) => app.log.warn({ err }, 'redis error'))
    try {
      await redis.connect()
    } catch (err) {
      redis.disconnect()
      throw new Error(`cannot connect to Redis at ${redact(opts.redisUrl)}: ${(err as Error).message}`, {
        cause: err,
      })
    }
    app.decorate('redis', redis)
    app.addReadinessCheck('redis', () => redis.status === 'ready')
    closers.push(() => redis.quit().catch(() => redis.disconnect()))
  }

  if (opts.amqpUrl) {
    if (!opts.mongoUrl)
      throw new Error('the bus needs mongoUrl: consumers keep their inbox in the service database')
    const bus = new Bus({
      url: opts.amqpUrl,
      service: opts.name,
      producer: app.producer,
      logger: app.log as never,
      inbox: app.mongo,
      ...(opts.busExchange ? { exchange: opts.busExchange } : {}),
      metrics: app.metrics.bus,
      ...(opts.amqpQueueType ? { queueType: opts.amqpQueueType } : {}),
    })
    const relay = new OutboxRelay({
      bus,
      models: [],
      logger: app.log as never,
      intervalMs: opts.outboxIntervalMs ?? 5_000,
    })
    app.decorate('bus', bus)
    app.metrics.trackOutbox(relay)
    app.metrics.trackQueues(bus)
    app.addReadinessCheck('rabbitmq', () => bus.isConnected())
    app.decorate('store', (model, storeOpts) => {
      relay.add(model)
      const { safeCreate, ...rest } = storeOpts
      const createWith = safeCreate ? app.safeModel(model) : model
      return new AggregateStore(model, {
        now,
        ...rest,
        relay,
        ...(createWith !== model ? { createWith } : {}),
      })
    })
    app.addHook('onReady', async () => {
      await bus.start()
      relay.start()
    })
    closers.unshift(() => bus.close())
    closers.unshift(() => relay.stop())
  } else {
    app.decorate('store', () => {
      throw new Error('app.store needs amqpUrl: the outbox is relayed to the bus')
    })
  }

  app.addHook('onClose', async () => {
    for (const close of closers) {
      try {
        await close()
      } catch (err) {
        app.log.warn({ err }, 'error while closing a dependency')
      }
    }
  })

  return app
}

const MONGO_OPTIONS = {
  bufferCommands: false,
  serverSelectionTimeoutMS: 5_000,
  autoIndex: true,
  // How often the driver's monitor checks the server: a lost database turns readiness down within this.
  heartbeatFrequencyMS: 5_000,
} as const

/**
 * Connect to the service's database: `conn` for everything, and `safe` for the operations that
 * need no isolation between connections (reads, unique inserts; see `app.mongoSafe`).
 *
 * On FerretDB (developer and CI machines) `conn` is cut to one connection: FerretDB 1.24 runs an
 * update as read-modify-write without isolation, so two concurrent guarded updates of one
 * document can both "win" and concurrent `$inc`s are lost (measured here: 8 concurrent guarded
 * updates × 20 rounds → 47 extra winners), while it executes one connection's commands strictly
 * in order. One connection per process makes our guarded single-document updates atomic again
 * within a process. Reads and unique inserts need none of that, so `safe` is a second connection
 * with a pool of `safePoolSize` (no index builds: `conn` builds them; 0 = none, `safe` is
 * `conn`). MongoDB 7 (production) keeps the driver's pool, and `safe` is `conn`. See
 * docs/ferretdb.md.
 *
 * @throws Error naming the (credential-redacted) URL when the server cannot be reached
 */
async function connectMongo(
  url: string,
  log: FastifyBaseLogger,
  safePoolSize: number,
): Promise<{ conn: Connection; safe: Connection }> {
  let conn = mongoose.createConnection(url, MONGO_OPTIONS)
  let safe: Connection | undefined
  try {
    await conn.asPromise()
    const info: { ferretdbVersion?: string; ferretdb?: { version?: string } } = await conn
      .db!.admin()
      .command({
        buildInfo: 1,
      })
    // FerretDB 1.24 answers `ferretdbVersion` (and `ferretdbFeatures`) in buildInfo; older builds
    // answered a `ferretdb: {version}` object. Missing the detection silently un-serialises writes.
    const ferretdb: string | undefined = info.ferretdbVersion ?? info.ferretdb?.version
    if (!ferretdb) return { conn, safe: conn }
    await conn.close()
    conn = mongoose.createConnection(url, { ...MONGO_OPTIONS, maxPoolSize: 1 })
    await conn.asPromise()
    if (safePoolSize > 0) {
      safe = mongoose.createConnection(url, {
        ...MONGO_OPTIONS,
        maxPoolSize: safePoolSize,
        autoIndex: false,
        autoCreate: false,
      })
      await safe.asPromise()
    }
    log.info(
      { ferretdb, safePoolSize: safe ? safePoolSize : 0 },
      'FerretDB detected: one connection for guarded updates, a pool for reads and unique inserts',
    )
    return { conn, safe: safe ?? conn }
  } catch (err) {
    await conn.close().catch(() => undefined)
    await safe?.close().catch(() => undefined)
    throw new Error(`cannot connect to MongoDB at ${redact(url)}: ${(err as Error).message}`, { cause: err })
  }
}

/** `model` compiled on `safe` (same name, schema and collection), or `model` itself when it is on `safe` already. */
function safeModelOf<M extends AnyModel>(safe: Connection, model: M): M {
  if (model.db === safe) return model
  const compiled = safe.models[model.modelName] as M | undefined
  if (compiled) {
    if (compiled.schema !== model.schema)
      throw new TypeError(`${model.modelName}: another schema of that name is on the safe connection`)
    return compiled
  }
  return safe.model(model.modelName, model.schema, model.collection.collectionName) as unknown as M
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@')
}
