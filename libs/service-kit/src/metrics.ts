/**
 * Metrics (docs/operations.md, Metrics): every Kelmah process — gateway and services — counts its
 * HTTP requests, bus traffic, outbox backlog and dependencies in a prom-client registry of its
 * own (`app.metrics`), and serves them in Prometheus' text format at `GET /metrics` on a
 * **separate listener**, `METRICS_PORT` (9464 in the manifests and compose; 0 = none, the
 * default on a developer machine where every app shares one host).
 *
 * Why a separate port and not a route: the gateway's HTTP port is public (the Ingress sends every
 * path to it), and a `/metrics` route there would publish route names, error rates and dependency
 * state to the internet; the metrics port is not in the gateway's Service or Ingress, and the
 * NetworkPolicy `metrics-scrape` (k8s/base/network-policy.yaml) opens it to the monitoring
 * namespace only. The gateway proxies only its route table's prefixes (`/api/…`, `/ws`), so a
 * service's metrics are never reachable through it either.
 *
 * | metric                                          | type      | labels                               |
 * | ----------------------------------------------- | --------- | ------------------------------------ |
 * | `http_request_duration_seconds`                 | histogram | `method`, `route`, `status_code`     |
 * | `kelmah_dependency_up`                          | gauge     | `dependency` (mongodb, redis, rabbitmq) |
 * | `kelmah_bus_published_total`                    | counter   | `type`, `outcome` (confirmed, failed) |
 * | `kelmah_bus_consumed_total`                     | counter   | `queue`, `outcome` (handled, duplicate, retried, dead_lettered, requeued) |
 * | `kelmah_bus_handler_duration_seconds`           | histogram | `queue`, `type`, `outcome` (ok, error) |
 * | `kelmah_bus_queue_messages`                     | gauge     | `queue`, `kind` (main, dlq)          |
 * | `kelmah_outbox_pending`                         | gauge     | —                                    |
 * | `kelmah_outbox_oldest_age_seconds`              | gauge     | —                                    |
 * | `kelmah_ws_connections`, `kelmah_ws_frames_total` | gauge, counter | `direction` (in, out) on frames |
 * | `kelmah_write_behind_pending`, `kelmah_write_behind_failed_total` | gauge, counter | `writes` (e.g. conversation_activity) |
 * | `kelmah_gateway_rate_limited_total` (gateway)   | counter   | `limit` (api, auth)                  |
 *
 * plus prom-client's process metrics (CPU, memory, event-loop lag, GC). Every series carries
 * `app` (the service name). `route` is the route's pattern (`/api/jobs/:id`; the gateway's
 * proxies are `/api/jobs/*`), never the raw URL, so the label set stays bounded; a request that
 * matched no route is `route="unmatched"`.
 *
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/
 */
import type { BusMetrics, ConsumeOutcome, OutboxBacklog, QueueDepth } from '@kelmah/bus'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { ReadinessCheck } from './health.js'

/** Latency buckets in seconds, 5 ms to 10 s (a gateway hop is ~1 ms, a FerretDB scan ~1 s). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const CHECK_TIMEOUT_MS = 2_000

/** Process metrics (CPU, heap, event loop, GC) are per process, not per app: one registry for all. */
let processRegistry: Registry | undefined
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

async function withTimeout(check: ReadinessCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      Promise.resolve().then(check),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS))),
    ])
  } catch {
    return false
  } finally {
    clearTimeout(timer)
  }
}

/** What the WebSocket hub reports through {@link ServiceMetrics.trackWebSockets}. */
export interface WebSocketMetrics {
  /** One frame received from (`in`) or sent to (`out`) a client. */
  frame(direction: 'in' | 'out'): void
}

/**
 * One app's metrics: its registry and the instruments the shared mechanisms report to. Reached as
 * `app.metrics`; services add their own instruments with `registers: [app.metrics.registry]`.
 */
export class ServiceMetrics {
  /** This app's registry (default label `app`); process metrics are added when served. */
  readonly registry = new Registry()
  /** HTTP requests by route pattern, method and status, in seconds. */
  readonly http: Histogram<'method' | 'route' | 'status_code'>
  /** The hooks handed to the bus (`BusOptions.metrics`). */
  readonly bus: BusMetrics
  /** The port `runService` serves `/metrics` on; 0 = not served. */
  readonly port: number
  readonly #dependencies = new Map<string, ReadinessCheck>()
  #outbox: { backlog(): OutboxBacklog } | undefined
  #queues: { queueDepths(): Promise<QueueDepth[]> } | undefined
  #sockets: (() => number) | undefined
  #frames: Counter<'direction'> | undefined
  readonly #writeBehind = new Map<string, { readonly pending: number; readonly failed: number }>()
  /** Listeners serving this registry (closed with the app). */
  readonly listeners = new Set<() => Promise<void>>()

  /**
   * @param app - the service name, the `app` label of every series
   * @param port - the metrics listener's port (`METRICS_PORT`); 0 = none
   */
  constructor(app: string, port = 0) {
    this.port = port
    const registers = [this.registry]
    this.registry.setDefaultLabels({ app })
    this.http = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by route pattern, method and status code: duration in seconds (_count = requests)',
      labelNames: ['method', 'route', 'status_code'],
      buckets: LATENCY_BUCKETS,
      registers,
    })
    const deps = this.#dependencies
    new Gauge({
      name: 'kelmah_dependency_up',
      help: 'Whether a dependency answers its readiness check right now (1) or not (0)',
      labelNames: ['dependency'],
      registers,
      async collect() {
        this.reset()
        const results = await Promise.all(
          [...deps].map(async ([name, check]) => [name, await withTimeout(check)] as const),
        )
        for (const [name, up] of results) this.set({ dependency: name }, up ? 1 : 0)
      },
    })
    const published = new Counter({
      name: 'kelmah_bus_published_total',
      help: 'Events published to the exchange, by type and outcome (confirmed by the broker, or failed)',
      labelNames: ['type', 'outcome'],
      registers,
    })
    const consumed = new Counter({
      name: 'kelmah_bus_consumed_total',
      help: 'Messages delivered from a consumer queue, by outcome (handled, duplicate, retried, dead_lettered, requeued)',
      labelNames: ['queue', 'outcome'],
      registers,
    })
    const handlers = new Histogram({
      name: 'kelmah_bus_handler_duration_seconds',
      help: 'Event handler run time in seconds, by queue, event type and outcome (ok, error)',
      labelNames: ['queue', 'type', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    })
    this.bus = {
      published: (type, outcome) => published.inc({ type, outcome }),
      consumed: (queue: string, outcome: ConsumeOutcome) => consumed.inc({ queue, outcome }),
      handled: (queue, type, seconds, ok) =>
        handlers.observe({ queue, type, outcome: ok ? 'ok' : 'error' }, seconds),
    }
    const outbox = () => this.#outbox?.backlog()
    const depths = async () => (await this.#queues?.queueDepths().catch(() => [])) ?? []
    new Gauge({
      name: 'kelmah_outbox_pending',
      help: 'Outbox entries this instance read and has not yet had confirmed by the broker',
      registers,
      collect() {
        this.set(outbox()?.pending ?? 0)
      },
    })
    new Gauge({
      name: 'kelmah_outbox_oldest_age_seconds',
      help: 'Age in seconds of the oldest outbox entry not yet confirmed (0 when none)',
      registers,
      collect() {
        const oldest = outbox()?.oldestOccurredAtMs
        this.set(oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000))
      },
    })
    new Gauge({
      name: 'kelmah_bus_queue_messages',
      help: "Messages ready in this service's consumer queues (kind main) and their dead-letter queues (kind dlq)",
      labelNames: ['queue', 'kind'],
      registers,
      async collect() {
        this.reset()
        for (const d of await depths()) this.set({ queue: d.queue, kind: d.kind }, d.messages)
      },
    })
  }

  /** Report `check` (the same as its readiness check) as `kelmah_dependency_up{dependency=name}`. */
  trackDependency(name: string, check: ReadinessCheck): void {
    this.#dependencies.set(name, check)
  }

  /** Report this relay's backlog as `kelmah_outbox_pending` / `kelmah_outbox_oldest_age_seconds`. */
  trackOutbox(relay: { backlog(): OutboxBacklog }): void {
    this.#outbox = relay
  }

  /** Report the bus's queue depths as `kelmah_bus_queue_messages` (checked with the broker at each scrape). */
  trackQueues(bus: { queueDepths(): Promise<QueueDepth[]> }): void {
    this.#queues = bus
  }

  /**
   * Report a WebSocket hub: `count` is read at each scrape as `kelmah_ws_connections`; call the
   * returned `frame('in' | 'out')` per frame for `kelmah_ws_frames_total`. Call once.
   */
  trackWebSockets(count: () => number): WebSocketMetrics {
    this.#sockets = count
    const sockets = () => this.#sockets?.() ?? 0
    new Gauge({
      name: 'kelmah_ws_connections',
      help: 'WebSocket connections open on this instance',
      registers: [this.registry],
      collect() {
        this.set(sockets())
      },
    })
    const frames = (this.#frames ??= new Counter({
      name: 'kelmah_ws_frames_total',
      help: 'WebSocket frames received from (in) and sent to (out) clients',
      labelNames: ['direction'],
      registers: [this.registry],
    }))
    return { frame: (direction) => frames.inc({ direction }) }
  }

  /**
   * Report a write-behind (`LatestWrites`, src/write-behind.ts) as `kelmah_write_behind_pending{writes=name}`
   * (keys with a write queued or running, read at each scrape) and
   * `kelmah_write_behind_failed_total{writes=name}` (writes given up after their retries, a
   * running total read at each scrape). Call once per name.
   */
  trackWriteBehind(name: string, writes: { readonly pending: number; readonly failed: number }): void {
    this.#writeBehind.set(name, writes)
    if (this.#writeBehind.size > 1) return
    const all = this.#writeBehind
    new Gauge({
      name: 'kelmah_write_behind_pending',
      help: 'Keys with a written-behind value queued or being written (a derived value not yet stored)',
      labelNames: ['writes'],
      registers: [this.registry],
      collect() {
        for (const [writesName, w] of all) this.set({ writes: writesName }, w.pending)
      },
    })
    new Counter({
      name: 'kelmah_write_behind_failed_total',
      help: 'Written-behind values given up after their retries (the derived value stays older until the next one)',
      labelNames: ['writes'],
      registers: [this.registry],
      collect() {
        // A running total kept by the writer: set the counter to it.
        this.reset()
        for (const [writesName, w] of all) this.inc({ writes: writesName }, w.failed)
      },
    })
  }

  /** The exposition: this app's series, then the process's. */
  async text(): Promise<string> {
    const [own, proc] = await Promise.all([this.registry.metrics(), processMetrics().metrics()])
    return `${own}\n${proc}`
  }

  /** The `Content-Type` of {@link text}. */
  get contentType(): string {
    return this.registry.contentType
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's metrics ({@link ServiceMetrics}); served by `runService` on `METRICS_PORT`. */
    metrics: ServiceMetrics
  }
}

/**
 * Fastify plugin: decorates `app.metrics`, times every response by route pattern, and reports
 * every readiness check added after it as `kelmah_dependency_up`. Registered by `buildService`
 * right after `health`.
 */
export const metrics = fp<{ service: string; port?: number }>(
  async function metrics(app: FastifyInstance, opts) {
    const m = new ServiceMetrics(opts.service, opts.port ?? 0)
    app.decorate('metrics', m)
    const addCheck = app.addReadinessCheck
    app.addReadinessCheck = (name, check) => {
      addCheck(name, check)
      m.trackDependency(name, check)
    }
    app.addHook('onResponse', (request, reply, done) => {
      m.http.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status_code: reply.statusCode,
        },
        reply.elapsedTime / 1000,
      )
      done()
    })
    app.addHook('onClose', async () => {
      await Promise.all([...m.listeners].map((close) => close()))
    })
  },
  { name: '@kelmah/metrics', dependencies: ['@kelmah/health'] },
)

/** A running metrics listener. */
export interface MetricsServer {
  /** `http://host:port` it listens on. */
  url: string
  close(): Promise<void>
}

/**
 * Serve `app.metrics` at `GET /metrics` on a listener of its own (anything else: 404). Closed
 * with the app (or by `close()`). `runService` calls it when `METRICS_PORT` is set; tests call it with port 0.
 *
 * @throws Error when the port cannot be bound
 */
export async function startMetricsServer(
  app: FastifyInstance,
  opts: { port: number; host: string },
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('metrics are at GET /metrics\n')
      return
    }
    app.metrics.text().then(
      (body) => res.writeHead(200, { 'content-type': app.metrics.contentType }).end(body),
      (err: unknown) => {
        app.log.warn({ err }, 'metrics collection failed')
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n')
      },
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { address, port } = server.address() as AddressInfo
  const close = () =>
    new Promise<void>((resolve) => {
      app.metrics.listeners.delete(close)
      server.closeAllConnections()
      server.close(() => resolve())
    })
  app.metrics.listeners.add(close)
  return { url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`, close }
}
