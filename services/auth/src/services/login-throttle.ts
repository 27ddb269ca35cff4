/**
 * Failed-login throttling in Redis (shared by every replica), per the policy in
 * `domain/lockout.ts`: growing delays per (account, source) pair, a much higher per-account
 * ceiling across sources that slows rather than locks, and one alert per episode. Keys hold
 * hashes of the email and of the source, never the values.
 *
 * Keys under the service prefix (`<a>` = account hash, `<s>` = source hash), each expiring on
 * its own:
 * - `login-pair:<a>:<s>` failures of the pair in the window; `login-wait:<a>:<s>` its delay;
 * - `login-acct:<a>` failures of the account from all sources; `login-slot:<a>` the account's
 *   spacing while over the ceiling;
 * - `login-alert:<a>` set when the owner was told, for the rest of the window.
 */
import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'
import { accountSpacingMs, pairDelayMs, shouldAlert, type LockoutPolicy } from '../domain/lockout.js'

/** What a failure led to. */
export interface FailureOutcome {
  /** Milliseconds the pair must now wait before its next attempt (0: none). */
  delayMs: number
  /** True once per episode: this failure reached a threshold and the owner was not told yet. */
  alert: boolean
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32)

/** Throttles logins per (account, source) pair and per account. */
export class LoginThrottle {
  readonly #redis: Redis
  readonly #prefix: string
  readonly #policy: LockoutPolicy

  /** @param prefix - Redis key namespace (unique per test run) */
  constructor(redis: Redis, prefix: string, policy: LockoutPolicy) {
    this.#redis = redis
    this.#prefix = prefix
    this.#policy = policy
  }

  /**
   * Milliseconds `source` must wait before trying `email` again; 0 when it may try now. A slowed
   * account (over the ceiling) lets one attempt through per spacing: this call takes that slot.
   */
  async waitMs(email: string, source: string): Promise<number> {
    const [pair, account] = await Promise.all([
      this.#redis.pttl(this.#key('wait', email, source)),
      this.#redis.get(this.#key('acct', email)),
    ])
    if (pair > 0) return pair
    const spacing = accountSpacingMs(Number(account ?? 0), this.#policy)
    if (spacing === 0) return 0
    const slot = this.#key('slot', email)
    const taken = await this.#redis.set(slot, '1', 'PX', spacing, 'NX')
    if (taken === 'OK') return 0
    return Math.max(1, await this.#redis.pttl(slot))
  }

  /**
   * Count one failed login of `email` from `source`: the pair's and the account's counters (each
   * window starts at its first failure, `EXPIRE … NX`), the pair's next delay, and whether the
   * owner should now be told (claimed once per window).
   */
  async recordFailure(email: string, source: string): Promise<FailureOutcome> {
    const pairKey = this.#key('pair', email, source)
    const acctKey = this.#key('acct', email)
    const res = await this.#redis
      .multi()
      .incr(pairKey)
      .expire(pairKey, this.#policy.windowS, 'NX')
      .incr(acctKey)
      .expire(acctKey, this.#policy.windowS, 'NX')
      .exec()
    const pairFailures = Number(res?.[0]?.[1] ?? 0)
    const accountFailures = Number(res?.[2]?.[1] ?? 0)
    const delayMs = pairDelayMs(pairFailures, this.#policy)
    if (delayMs > 0) await this.#redis.set(this.#key('wait', email, source), '1', 'PX', delayMs)
    let alert = false
    if (shouldAlert(pairFailures, accountFailures, this.#policy)) {
      alert =
        (await this.#redis.set(this.#key('alert', email), '1', 'EX', this.#policy.windowS, 'NX')) === 'OK'
    }
    return { delayMs, alert }
  }

  /** Forget the pair's failures after a successful login from it (the account's count stays). */
  async clear(email: string, source: string): Promise<void> {
    await this.#redis.del(this.#key('pair', email, source), this.#key('wait', email, source))
  }

  /**
   * After a password reset from `source` proved the owner: lift the account-wide slowdown, the
   * alert claim, and the delay of that source's pair. Other pairs keep their delays: an
   * attacker's source stays slowed.
   */
  async unlock(email: string, source: string): Promise<void> {
    await this.#redis.del(
      this.#key('acct', email),
      this.#key('slot', email),
      this.#key('alert', email),
      this.#key('pair', email, source),
      this.#key('wait', email, source),
    )
  }

  #key(kind: 'pair' | 'wait' | 'acct' | 'slot' | 'alert', email: string, source?: string): string {
    const base = `${this.#prefix}login-${kind}:${hash(email)}`
    return source === undefined ? base : `${base}:${hash(source)}`
  }
}
