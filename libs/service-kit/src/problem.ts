/**
 * RFC 9457 problem details for every 4xx/5xx: validation errors name each field in `errors[]`,
 * catalogue errors carry their `code`, 5xx hide internals and point at the request id instead.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { STATUS_CODES } from 'node:http'
import type { Problem } from '@kelmah/contracts'

/** Media type of every error body. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

interface ValidationItem {
  instancePath?: string
  message?: string
  params?: Record<string, unknown>
}

/** One `errors[]` entry naming a request field at fault, as validation errors are rendered. */
export interface FieldError {
  field: string
  message: string
  in?: 'body' | 'params' | 'querystring'
}

/**
 * Attach field errors to a catalogue error (`throw withFields(new WeakPassword(…), [{field:
 * 'password', …}])`): the shared handler lists them in `errors[]`, as it does for schema
 * validation, so business-rule errors name fields the same way in every service.
 */
export function withFields<E extends Error>(
  err: E,
  fieldErrors: FieldError[],
): E & { fieldErrors: FieldError[] } {
  return Object.assign(err, { fieldErrors })
}

/**
 * Attach a `Retry-After` (seconds) to an error (lockouts, cooldowns); the shared handler sends
 * the header and the `retryAfter` member.
 */
export function withRetryAfter<E extends Error>(err: E, seconds: number): E & { retryAfterS: number } {
  return Object.assign(err, { retryAfterS: seconds })
}

/** Turn ajv errors into `{field, message}` with dotted field names (`budget.amountMinor`). */
export function validationErrors(
  context: string | undefined,
  items: ValidationItem[],
): NonNullable<Problem['errors']> {
  return items.map((v) => {
    const base = (v.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.')
    const missing = v.params?.missingProperty as string | undefined
    const extra = v.params?.additionalProperty as string | undefined
    const leaf = missing ?? extra
    const field = [base, leaf].filter(Boolean).join('.') || (context ?? 'body')
    return { field, message: v.message ?? 'is invalid', ...(context ? { in: context } : {}) }
  })
}

/**
 * Build a problem object.
 *
 * @param status - HTTP status
 * @param detail - human explanation, safe to show
 * @param extra - extension members (`code`, `errors`, …)
 */
export function problem(status: number, detail?: string, extra: Partial<Problem> = {}): Problem {
  return {
    type: extra.code ? `urn:kelmah:problem:${extra.code.toLowerCase()}` : 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    ...(detail ? { detail } : {}),
    ...extra,
  }
}

/** Longest `instance` echoed back, characters (a 414's path is kilobytes of the caller's own bytes). */
const MAX_INSTANCE_CHARS = 512

/** Send `body` as problem+json, bypassing the route's response serializer. */
export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  const instance = (body.instance ?? reply.request.url.split('?')[0] ?? '/').slice(0, MAX_INSTANCE_CHARS)
  return reply
    .code(body.status)
    .type(PROBLEM_CONTENT_TYPE)
    .serializer((p: unknown) => JSON.stringify(p))
    .send({ ...body, instance, requestId: reply.request.id })
}

/**
 * The problem for an error: validation errors as 400 `KIT_ERR_VALIDATION` naming each field,
 * catalogue and Fastify errors with their status and `code`, anything else a 500 that says
 * nothing about the cause (logged on `request`, when given, with the error).
 */
export function problemOf(err: FastifyError | Error, request?: FastifyRequest): Problem {
  return fromError(err as FastifyError, request)
}

function fromError(err: FastifyError, request: FastifyRequest | undefined): Problem {
  if (err.validation) {
    const errors = validationErrors(err.validationContext, err.validation)
    const first = errors[0]
    return problem(400, first ? `${first.field} ${first.message}` : err.message, {
      code: 'KIT_ERR_VALIDATION',
      errors,
    })
  }
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
  if (status >= 500) {
    request?.log.error({ err }, 'request failed')
    return problem(
      status,
      status === 500 ? 'An unexpected error occurred; quote the request id when reporting it.' : err.message,
      {
        ...(err.code && status !== 500 ? { code: err.code } : {}),
      },
    )
  }
  const fieldErrors = (err as { fieldErrors?: FieldError[] }).fieldErrors
  return problem(status, err.message, {
    ...(err.code ? { code: err.code } : {}),
    ...(Array.isArray(fieldErrors) ? { errors: fieldErrors } : {}),
  })
}

/**
 * Fastify plugin: the shared error and not-found handlers. Registered by `buildService`.
 * 401s also carry `WWW-Authenticate: Bearer` (RFC 6750 §3).
 */
export const problemDetails = fp(
  async function problemDetails(app: FastifyInstance) {
    app.setErrorHandler((err: FastifyError, request, reply) => {
      const body = fromError(err, request)
      const retryAfterS = (err as { retryAfterS?: number }).retryAfterS
      if (retryAfterS && body.status < 500) reply.header('retry-after', String(retryAfterS))
      if (body.status === 401) reply.header('www-authenticate', 'Bearer error="invalid_token"')
      if (body.status === 429 || body.status === 423 || body.status === 503) {
        const retry = reply.getHeader('retry-after')
        if (retry) (body as Problem & { retryAfter?: number }).retryAfter = Number(retry)
      }
      return sendProblem(reply, body)
    })
    app.setNotFoundHandler((request, reply) =>
      sendProblem(
        reply,
        problem(404, `No route ${request.method} ${request.url.split('?')[0]}`, {
          code: 'KIT_ERR_ROUTE_NOT_FOUND',
        }),
      ),
    )
  },
  { name: '@kelmah/problem-details' },
)
