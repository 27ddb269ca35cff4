/**
 * One `@fastify/http-proxy` registration per prefix of the route table
 * (docs/conventions.md, Gateway), HTTP and WebSocket, keeping the full path upstream
 * (`rewritePrefix` = prefix).
 *
 * - Request headers go upstream as sent (Authorization included: services verify again), plus
 *   `x-request-id` (service-kit's `request.id`: the caller's safe id or a new UUID) and
 *   `x-forwarded-for/-proto/-host`.
 * - Bodies are streamed, never parsed (Stripe's webhook signature needs the raw bytes), and cut at
 *   `BODY_LIMIT_BYTES` (413) — Fastify's own `bodyLimit` does not apply to streamed bodies.
 * - An upstream that refuses (503), breaks the connection (502) or is slower than
 *   `UPSTREAM_TIMEOUT_MS` (504) is answered at once with problem+json; nothing is retried except
 *   an idempotent request on a dead keep-alive socket, once.
 */
import proxy from '@fastify/http-proxy'
import { problem, sendProblem } from '@kelmah/service-kit'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { requestPath, within } from '../canonical-path.js'
import { BadGateway, BodyTooLarge, UpstreamTimeout, UpstreamUnavailable } from '../errors.js'
import type { RoutedService } from '../routes.js'

type ProxyPluginOptions = Parameters<typeof proxy>[1]

/** Options of {@link registerProxies}. */
export interface ProxyOptions {
  services: RoutedService[]
  /** Milliseconds to wait for response headers (and between body chunks) before a 504. */
  upstreamTimeoutMs: number
  /** Largest request body streamed upstream, bytes. */
  bodyLimit: number
  /** Largest body of an upload request ({@link ProxyOptions.isUpload}), bytes. */
  uploadBodyLimit?: number
  /** `(method, canonical path) => true` for upload requests (src/routes.ts, `uploads`). */
  isUpload?: (method: string, path: string) => boolean
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'FST_REPLY_FROM_SERVICE_UNAVAILABLE',
])
const TIMED_OUT = new Set([
  'FST_REPLY_FROM_GATEWAY_TIMEOUT',
  'FST_REPLY_FROM_TIMEOUT',
  'FST_REPLY_FROM_HTTP_REQUEST_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
])

/** Every error in a `cause` chain, outermost first. */
function causes(err: unknown): Array<{ code?: string; statusCode?: number }> {
  const chain: Array<{ code?: string; statusCode?: number }> = []
  for (let e = err as { cause?: unknown } | undefined; e && chain.length < 10; e = e.cause as typeof e)
    chain.push(e as never)
  return chain
}

/** Map a reply-from failure to the catalogue error the client gets. */
export function upstreamFailure(err: unknown, service: string, timeoutMs: number): FastifyError {
  const chain = causes(err)
  if (chain.some((e) => e.statusCode === 413)) return chain.find((e) => e.statusCode === 413) as FastifyError
  if (chain.some((e) => e.code && TIMED_OUT.has(e.code))) return new UpstreamTimeout(service, timeoutMs)
  if (chain.some((e) => e.code && UNREACHABLE.has(e.code))) return new UpstreamUnavailable(service)
  return new BadGateway(service)
}

/** Counts streamed body bytes and fails the stream past the limit (bodies without Content-Length). */
class BodyLimiter extends Transform {
  #seen = 0
  constructor(private readonly limit: number) {
    super()
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.#seen += chunk.length
    if (this.#seen > this.limit) done(new BodyTooLarge(this.limit))
    else done(null, chunk)
  }
}

/**
 * Add the forwarding headers. `headers` is reply-from's own copy of the request headers (made for
 * this call), so it is extended in place rather than copied again on the hot path.
 */
function forwardedHeaders(request: FastifyRequest, headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const prior = request.headers['x-forwarded-for']
  // Append the peer that connected to us (the ingress, or the client), not `request.ip`: behind a
  // trusted proxy `request.ip` is already the client taken from `prior`, and would appear twice.
  const peer = request.raw.socket.remoteAddress ?? request.ip
  headers['x-request-id'] = request.id
  // This hop's span of the request's trace (service-kit src/trace.ts), so the upstream continues it.
  headers.traceparent = request.traceparent
  headers['x-forwarded-for'] = prior ? `${String(prior)}, ${peer}` : peer
  headers['x-forwarded-proto'] = request.protocol
  if (request.headers.host) headers['x-forwarded-host'] = request.headers.host
  return headers
}

/**
 * Register the proxies on `scope` (an encapsulated context: its body parsers are replaced by a
 * streaming, size-limited one). Hooks added to `scope` before this call (edge auth, rate limit)
 * run before every proxied request, WebSocket upgrades included.
 */
export async function registerProxies(scope: FastifyInstance, opts: ProxyOptions): Promise<void> {
  scope.removeAllContentTypeParsers()
  scope.addContentTypeParser(
    '*',
    (request: FastifyRequest, payload: Readable, done: (err: Error | null, body?: unknown) => void) => {
      const limit =
        opts.uploadBodyLimit && opts.isUpload?.(request.method, requestPath(request))
          ? opts.uploadBodyLimit
          : opts.bodyLimit
      const declared = Number(request.headers['content-length'])
      if (declared > limit) return done(new BodyTooLarge(limit))
      // A declared length is enforced by Node's parser; only chunked bodies need counting.
      done(null, Number.isFinite(declared) ? payload : payload.pipe(new BodyLimiter(limit)))
    },
  )

  for (const svc of opts.services) {
    for (const prefix of svc.prefixes) {
      const websocket = svc.websocket?.includes(prefix) ?? false
      const options = proxyOptions(svc, prefix, opts)
      await scope.register(proxy, websocket ? { ...options, websocket: true } : options)
    }
  }
}

/** The `@fastify/http-proxy` options of one prefix of a row (HTTP; WebSocket added by the caller). */
function proxyOptions(
  svc: RoutedService,
  prefix: string,
  opts: Pick<ProxyOptions, 'upstreamTimeoutMs'>,
): ProxyPluginOptions & { websocket?: false } {
  return {
    upstream: svc.upstream,
    // The root (the web console) is registered without a prefix: Fastify would make `/` + `/*`
    // into a second `/*`. Its routes `/` and `/*` then hold every path.
    prefix: prefix === '/' ? '' : prefix,
    rewritePrefix: prefix === '/' ? '' : prefix,
    // …and without OPTIONS: @fastify/cors owns `OPTIONS *` (preflights), which would collide.
    ...(prefix === '/' ? { httpMethods: ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'] } : {}),
    proxyPayloads: false,
    disableRequestLogging: true,
    // Timeouts bound every wait on an upstream: connect, response headers, gaps in the body.
    undici: {
      connectTimeout: Math.min(opts.upstreamTimeoutMs, 5_000),
      headersTimeout: opts.upstreamTimeoutMs,
      bodyTimeout: opts.upstreamTimeoutMs,
      keepAliveTimeout: 4_000,
    },
    // `kelmahPrefix`: a canonical path must stay under the prefix it was routed by (canonical-path.ts).
    // The root prefix (the web console) holds every path: no constraint to check.
    config: { kelmahProxy: svc.service, ...(prefix === '/' ? {} : { kelmahPrefix: prefix }) },
    replyOptions: {
      // Hop-by-hop headers of the upstream connection are not the client's (RFC 9110 §7.6.1).
      rewriteHeaders: (headers) => {
        delete headers['keep-alive']
        delete headers.connection
        return headers
      },
      rewriteRequestHeaders: (request, headers) => forwardedHeaders(request as FastifyRequest, headers),
      // reply-from would retry a GET answered 503 up to 10 times; a gateway must pass it on.
      retriesCount: 1,
      // (`res` is the upstream's answer, or undefined when the request failed: its type says otherwise.)
      retryDelay: ({ err, req, res, attempt, getDefaultDelay }) =>
        (res as unknown) ? null : getDefaultDelay(req, res, err, attempt),
      onError: (anyReply, { error }) => {
        const reply = anyReply as FastifyReply
        const failure = upstreamFailure(error, svc.service, opts.upstreamTimeoutMs)
        reply.request.log.warn({ err: error, upstream: svc.service }, 'upstream request failed')
        sendProblem(reply, problem(failure.statusCode ?? 502, failure.message, { code: failure.code }))
      },
    },
    // http-proxy forwards only cookies on upgrades by default; services need the token and id.
    wsClientOptions: {
      handshakeTimeout: opts.upstreamTimeoutMs,
      rewriteRequestHeaders: (headers: Record<string, unknown>, request: FastifyRequest) => ({
        ...headers,
        ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
        ...(request.headers.cookie ? { cookie: request.headers.cookie } : {}),
        'x-request-id': request.id,
        traceparent: request.traceparent,
        'x-forwarded-for': request.ip,
      }),
    } as NonNullable<ProxyPluginOptions['wsClientOptions']>,
  }
}

/** Options of {@link registerWebProxy}. */
export interface WebProxyOptions {
  /** The web console's row (src/routes.ts, `webService`). */
  service: RoutedService
  /** Path prefixes the console never serves: answered 404 like any unknown path. */
  reserved: readonly string[]
  upstreamTimeoutMs: number
  /** Largest request body (the console's few POSTs are small JSON), bytes. */
  bodyLimit: number
}

/**
 * Register the web console's catch-all proxy (`/` and `/*`, src/routes.ts `WEB_ROUTE`) on `scope`,
 * an encapsulated context without the edge-auth hooks (every request to it is public). Requests
 * under a reserved prefix that no other route took (`/api/unknown`) get the gateway's 404 problem,
 * never the console's index.html.
 */
export async function registerWebProxy(scope: FastifyInstance, opts: WebProxyOptions): Promise<void> {
  scope.addHook('onRequest', (request, reply, done) => {
    const path = requestPath(request)
    if (opts.reserved.some((prefix) => within(path, prefix))) return reply.callNotFound()
    done()
  })
  await registerProxies(scope, {
    services: [opts.service],
    upstreamTimeoutMs: opts.upstreamTimeoutMs,
    bodyLimit: opts.bodyLimit,
  })
}
