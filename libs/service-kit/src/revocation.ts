/**
 * Per-user token revocation (issue 14, item 5): a "tokens issued before T are void" mark in Redis,
 * one key per user, defined here once for the auth service that sets it, the gateway that checks
 * it at the edge, and every service that checks it again (zero trust).
 *
 * - **The mark**: `kelmah:revoked:<userId>` holds T, epoch milliseconds. An access token whose
 *   issue time ({@link tokenIssuedAtMs}) is before T is void. The mark only ever moves forward
 *   ({@link revokeTokens} keeps the larger of the stored and the new T, so two auth replicas with
 *   skewed clocks cannot lower it) and expires after the longest access-token lifetime plus a
 *   margin: by then every token it voids has expired on its own.
 * - **Who sets it**: auth, on logout-all, password change and reset, and suspension.
 * - **The notice**: after setting the mark auth publishes `{userId, notBefore}` (JSON) on the
 *   Redis channel {@link REVOCATION_CHANNEL}; messaging closes that user's open sockets on it.
 * - **Issue time in milliseconds**: JWT `iat` has whole seconds, so a token minted in the same
 *   second as the mark (the fresh pair of a password change, a new login) could not be told from
 *   one minted just before it. Auth's tokens therefore also carry `iatMs`; tokens without it
 *   count from the start of their `iat` second.
 * - **Failure mode**: when Redis cannot answer, checks let the token through and log it
 *   (availability over strictness, like the gateway's rate limit): the token is still signed,
 *   unexpired, and at most 15 minutes old.
 */
import type { Redis } from 'ioredis'

/** The Redis pub/sub channel auth publishes {@link RevocationNotice}s on. */
export const REVOCATION_CHANNEL = 'revocations'

/** Milliseconds a mark outlives the longest access token (clock skew between processes). */
export const REVOCATION_MARGIN_MS = 60_000

/** The Redis key of `userId`'s mark (value: T, epoch ms, as a decimal string). */
export function revocationKey(userId: string): string {
  return `kelmah:revoked:${userId}`
}

/** What auth publishes on {@link REVOCATION_CHANNEL}. */
export interface RevocationNotice {
  userId: string
  /** T: tokens issued before this instant (epoch ms) are void. */
  notBefore: number
}

/** The issue time of a token, epoch ms: its `iatMs` claim, else the start of its `iat` second. */
export function tokenIssuedAtMs(claims: { iat: number; iatMs?: unknown }): number {
  return typeof claims.iatMs === 'number' && Number.isFinite(claims.iatMs) ? claims.iatMs : claims.iat * 1000
}

/** True when the mark `notBefore` (epoch ms, or null for none) voids a token with these claims. */
export function isRevoked(claims: { iat: number; iatMs?: unknown }, notBefore: number | null): boolean {
  return notBefore !== null && tokenIssuedAtMs(claims) < notBefore
}

/** Parse a stored mark (a Redis reply): epoch ms, or null when absent or not a number. */
export function parseMark(value: unknown): number | null {
  if (value === null || value === undefined) return null
  const n = Number(value)
  return Number.isFinite(n) ? n : null
}

/** Keep the larger mark and (re)set its expiry. KEYS[1] = mark, ARGV = T ms, expiry ms. */
const RAISE_MARK = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local t = tonumber(ARGV[1])
if t > current then current = t end
redis.call('SET', KEYS[1], tostring(current), 'PX', ARGV[2])
return tostring(current)
`

/**
 * Void every access token of `userId` issued before `at`, and tell open sockets (publish a
 * {@link RevocationNotice}).
 *
 * @param opts.at - T (default now)
 * @param opts.tokenTtlMs - the longest access-token lifetime; the mark lives that long plus
 *   {@link REVOCATION_MARGIN_MS}
 * @returns the mark now stored (epoch ms; later than `at` when a later one was already there)
 * @throws the Redis client's error when Redis cannot be reached — callers fail the request
 *   rather than claim a sign-out that did not happen
 */
export async function revokeTokens(
  redis: Redis,
  userId: string,
  opts: { at?: Date; tokenTtlMs: number },
): Promise<number> {
  const at = (opts.at ?? new Date()).getTime()
  const stored = await redis.eval(
    RAISE_MARK,
    1,
    revocationKey(userId),
    String(at),
    String(opts.tokenTtlMs + REVOCATION_MARGIN_MS),
  )
  const notBefore = parseMark(stored) ?? at
  const notice: RevocationNotice = { userId, notBefore }
  await redis.publish(REVOCATION_CHANNEL, JSON.stringify(notice))
  return notBefore
}

/** Parse a message of {@link REVOCATION_CHANNEL}; null when it is not a notice. */
export function parseNotice(payload: string): RevocationNotice | null {
  try {
    const v = JSON.parse(payload) as Partial<RevocationNotice>
    return typeof v.userId === 'string' && typeof v.notBefore === 'number'
      ? { userId: v.userId, notBefore: v.notBefore }
      : null
  } catch {
    return null
  }
}

/** Options of {@link RevocationCache}. */
export interface RevocationCacheOptions {
  /**
   * Milliseconds a mark read from Redis is reused in this process (default 1000). This bounds how
   * long a revoked token still works on a service after the mark is set; 0 reads Redis on every
   * check.
   */
  ttlMs?: number
  /** Users whose marks are kept (default 50 000); the oldest entry goes first. */
  maxEntries?: number
  /** The clock, epoch ms (tests). */
  now?: () => number
}

/**
 * The marks as a service reads them: from Redis, kept in-process for a short while.
 *
 * Why a cache and not a Redis GET per request: a GET is one more round trip on every
 * authenticated request (auto-pipelined, but still a network hop and a Redis command per
 * request), while with a 1 s cache a busy user costs one GET per second per process and an idle
 * one nothing. One second of staleness is well inside the bar (refused everywhere within
 * 5 s), and the gateway — where every request passes — reads the mark fresh in the same round
 * trip as the rate limit. Concurrent checks of one user share one in-flight GET.
 */
export class RevocationCache {
  readonly #redis: () => Redis | undefined
  readonly #ttlMs: number
  readonly #max: number
  readonly #now: () => number
  readonly #entries = new Map<string, { mark: number | null; at: number }>()
  readonly #inflight = new Map<string, Promise<number | null>>()

  /** @param redis - the Redis client, looked up at check time (undefined: no checks) */
  constructor(redis: () => Redis | undefined, opts: RevocationCacheOptions = {}) {
    this.#redis = redis
    this.#ttlMs = opts.ttlMs ?? 1000
    this.#max = opts.maxEntries ?? 50_000
    this.#now = opts.now ?? Date.now
  }

  /**
   * `userId`'s mark (epoch ms) or null.
   *
   * @throws the Redis client's error when Redis cannot answer
   */
  async markOf(userId: string): Promise<number | null> {
    const redis = this.#redis()
    if (!redis) return null
    const hit = this.#entries.get(userId)
    if (hit && this.#now() - hit.at < this.#ttlMs) return hit.mark
    const pending = this.#inflight.get(userId)
    if (pending) return pending
    const read = redis
      .get(revocationKey(userId))
      .then((value) => {
        const mark = parseMark(value)
        if (this.#ttlMs > 0) {
          this.#entries.delete(userId)
          this.#entries.set(userId, { mark, at: this.#now() })
          if (this.#entries.size > this.#max) {
            const oldest = this.#entries.keys().next().value
            if (oldest !== undefined) this.#entries.delete(oldest)
          }
        }
        return mark
      })
      .finally(() => this.#inflight.delete(userId))
    this.#inflight.set(userId, read)
    return read
  }
}
