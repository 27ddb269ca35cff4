/**
 * Request ids: an incoming `x-request-id` is kept when it looks like an id (so one id follows a
 * request from the gateway through every service and into event `correlationId`s), otherwise a
 * UUID is made. Untrusted ids are length- and charset-limited to keep logs clean.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** The header carrying the request id, both ways. */
export const REQUEST_ID_HEADER = 'x-request-id'
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** Fastify `genReqId`: reuse a safe incoming id or make a new UUID. */
export function genReqId(req: IncomingMessage): string {
  const incoming = req.headers[REQUEST_ID_HEADER]
  return typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : randomUUID()
}
