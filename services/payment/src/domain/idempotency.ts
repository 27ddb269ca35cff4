/**
 * Idempotency keys of money-moving requests (`Idempotency-Key` header, after Stripe's API): the
 * first request with a key is recorded — before any side effect — with a fingerprint of what it
 * asked; a retry with the same key and the same request gets the first one's response, the same
 * key with another request is refused (422).
 *
 * Pure: no I/O.
 */
import { createHash } from 'node:crypto'

/** Visible ASCII, 1–255 characters (Stripe's limit is 255). */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/

/** True when `key` is a usable idempotency key. */
export function isIdempotencyKey(key: unknown): key is string {
  return typeof key === 'string' && IDEMPOTENCY_KEY.test(key)
}

/** JSON with object keys sorted, so equal requests print equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** SHA-256 (hex) of the operation and its canonical body: what "the same request" means. */
export function fingerprint(operation: string, body: unknown): string {
  return createHash('sha256')
    .update(`${operation}\n${canonical(body)}`)
    .digest('hex')
}

/**
 * The record id of `key` for `operation` by `userId`: keys are scoped per user and operation, so
 * two users' keys never collide.
 */
export function idempotencyRecordId(operation: string, userId: string, key: string): string {
  return `${operation}:${userId}:${key}`
}
