/**
 * Problem details for the errors that happen before (or instead of) a route: Node's HTTP parser
 * refusing the bytes (400, 408, 414 and 431 written straight to the socket), Fastify's router
 * refusing the path (`FST_ERR_BAD_URL`, `FST_ERR_MAX_PARAM_LENGTH`), Node's own answers (`Expect`
 * other than `100-continue` → 417, HTTP/1.1 without `Host` → 400) and Fastify's load-shedding 503
 * while closing. Left alone, each of them answers with Node's empty body or Fastify's
 * `{"error","message","statusCode"}` JSON — every error the process emits is
 * `application/problem+json` instead (issue 14, item 3; the route errors: src/problem.ts).
 *
 * Limits: a URI longer than {@link MAX_URL_BYTES} is 414 (checked first thing, so no hook,
 * router parameter or proxy sees it); the request line and headers together may not pass Node's
 * `maxHeaderSize` (16 KiB by default, `--max-http-header-size`) — 431, or 414 when it was the
 * request line that did not fit.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9457
 * @see https://nodejs.org/api/http.html#event-clienterror
 */
import { randomUUID } from 'node:crypto'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Problem } from '@kelmah/contracts'
import {
  BadUrl,
  ExpectationFailed,
  HeadersTooLarge,
  MalformedRequest,
  RequestTimeout,
  ShuttingDown,
  UriTooLong,
} from './errors.js'
import { problemOf, PROBLEM_CONTENT_TYPE, sendProblem } from './problem.js'
import { REQUEST_ID_HEADER } from './request-id.js'

/**
 * Longest request URI (path + query), bytes — nginx's `large_client_header_buffers` default.
 * Kelmah's longest legitimate URIs (a search with every filter and a cursor) are under 2 KiB.
 */
export const MAX_URL_BYTES = 8192

/** Node's limit on the request line plus headers, bytes (16 KiB unless `--max-http-header-size`). */
export const MAX_HEADER_BYTES = http.maxHeaderSize

/** Seconds a client should wait before retrying a request refused while shutting down. */
const SHUTDOWN_RETRY_AFTER_S = 1

/**
 * A parser error as Node hands it to `'clientError'` (`rawPacket` is the chunk being parsed, a
 * Buffer at run time whatever Fastify's `ConnectionError` type says).
 */
export interface ClientError extends Error {
  code?: string
  rawPacket?: unknown
}

/**
 * The problem for a parser error: timeouts 408, header overflow 431 (414 when the chunk starts
 * with a request line that did not end within {@link MAX_URL_BYTES}), anything else 400 naming
 * the parser's code (`HPE_INVALID_METHOD`, …) — never the bytes received.
 */
export function clientErrorProblem(err: ClientError): Problem {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return problemOf(new RequestTimeout())
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return requestLineTooLong(err.rawPacket)
      ? problemOf(new UriTooLong(MAX_URL_BYTES))
      : problemOf(new HeadersTooLarge(MAX_HEADER_BYTES))
  }
  return problemOf(new MalformedRequest(err.code ?? 'unparseable'))
}

function requestLineTooLong(raw: unknown): boolean {
  if (!Buffer.isBuffer(raw)) return false
  const head = raw.subarray(0, MAX_URL_BYTES + 64).toString('latin1')
  if (!/^[A-Z]{1,20} /.test(head)) return false
  const end = head.indexOf('\r\n')
  return end === -1 || end > MAX_URL_BYTES
}

/**
 * A complete HTTP/1.1 response carrying `body` as problem+json, closing the connection (after a
 * parser error the stream position is lost, so nothing more can be read from it).
 */
export function rawProblemResponse(body: Problem & { requestId: string }): string {
  const json = JSON.stringify(body)
  return [
    `HTTP/1.1 ${body.status} ${http.STATUS_CODES[body.status] ?? 'Error'}`,
    `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
    `Content-Length: ${Buffer.byteLength(json)}`,
    `${REQUEST_ID_HEADER}: ${body.requestId}`,
    'Connection: close',
    '',
    json,
  ].join('\r\n')
}

/**
 * Fastify `clientErrorHandler`: answer a request Node's parser refused with a problem, then close.
 * Like Node's own handler it writes nothing when the socket is gone or a response has already
 * started on it.
 */
export function clientErrorHandler(this: FastifyInstance, err: ClientError, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
  if (socket.writable && !inFlight?.headersSent) {
    const requestId = randomUUID()
    const body = { ...clientErrorProblem(err), requestId }
    this.log.info({ requestId, status: body.status, code: err.code }, 'client error')
    socket.end(rawProblemResponse(body))
  } else {
    socket.destroy(err)
  }
}

/**
 * Fastify `frameworkErrors`: the router's refusals before any hook runs — a path that is not
 * valid percent-encoding (400), a path segment longer than the router's `maxParamLength` (414) —
 * as problems.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header(REQUEST_ID_HEADER, request.id)
  const mapped =
    err.code === 'FST_ERR_BAD_URL'
      ? new BadUrl()
      : err.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new UriTooLong(MAX_URL_BYTES)
        : err
  void sendProblem(reply, problemOf(mapped, request))
}

/**
 * The Fastify server options that route pre-routing errors here; `buildService` spreads them
 * into `Fastify({...})`. `return503OnClosing` is off because {@link clientErrors} answers that
 * 503 itself; `requireHostHeader` is off for the same reason (Node's refusal has an empty body);
 * `maxParamLength` is {@link MAX_URL_BYTES} so an oversized id reaches its route schema and is
 * refused as a 400 naming the parameter, not as a routing failure.
 */
export const clientErrorOptions = {
  clientErrorHandler,
  frameworkErrors,
  return503OnClosing: false,
  routerOptions: { maxParamLength: MAX_URL_BYTES },
  http: { requireHostHeader: false },
} as const

function answerExpectation(req: IncomingMessage, res: ServerResponse): void {
  const requestId = randomUUID()
  const body = {
    ...problemOf(new ExpectationFailed()),
    instance: (req.url ?? '/').split('?')[0]!.slice(0, 512),
    requestId,
  }
  const json = JSON.stringify(body)
  res.writeHead(417, {
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(json),
    [REQUEST_ID_HEADER]: requestId,
    connection: 'close',
  })
  res.end(json)
}

/**
 * Fastify plugin (registered by `buildService`): the first `onRequest` checks — shutting down →
 * 503 with `Retry-After`; URI over {@link MAX_URL_BYTES} → 414; HTTP/1.1 without `Host` → 400 —
 * and the 417 for an unsupported `Expect`.
 */
export const clientErrors = fp(
  async function clientErrors(app: FastifyInstance) {
    let closing = false
    app.addHook('preClose', async () => {
      closing = true
    })
    app.addHook('onRequest', async (request, reply) => {
      if (closing) {
        reply.header('retry-after', String(SHUTDOWN_RETRY_AFTER_S))
        throw new ShuttingDown()
      }
      if (Buffer.byteLength(request.raw.url ?? '') > MAX_URL_BYTES) throw new UriTooLong(MAX_URL_BYTES)
      if (request.headers.host === undefined && request.raw.httpVersion === '1.1') {
        throw new MalformedRequest('no Host header')
      }
    })
    app.server.on('checkExpectation', answerExpectation)
  },
  { name: '@kelmah/client-errors' },
)
