/**
 * Failed-login counting and lockout in Redis (shared by every replica), per the policy in
 * `domain/lockout.ts`. Keys hold a hash of the email, not the email.
 */
import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'
import { shouldLock, type LockoutPolicy } from '../domain/lockout.js'

/** Counts failed logins per email and locks accounts. */
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

  /** Milliseconds until the lock on `email` ends; 0 when it is not locked. */
  async lockedForMs(email: string): Promise<number> {
    const ttl = await this.#redis.pttl(this.#key('lock', email))
    return ttl > 0 ? ttl : 0
  }

  /**
   * Count one failed login. The window starts at the first failure (`EXPIRE … NX`); reaching the
   * threshold sets the lock and resets the count.
   *
   * @returns true when this failure locked the account
   */
  async recordFailure(email: string): Promise<boolean> {
    const failKey = this.#key('fail', email)
    const res = await this.#redis.multi().incr(failKey).expire(failKey, this.#policy.windowS, 'NX').exec()
    const failures = Number(res?.[0]?.[1] ?? 0)
    if (!shouldLock(failures, this.#policy)) return false
    await this.#redis
      .multi()
      .set(this.#key('lock', email), '1', 'EX', this.#policy.lockoutS)
      .del(failKey)
      .exec()
    return true
  }

  /** Forget failures after a successful login. */
  async clear(email: string): Promise<void> {
    await this.#redis.del(this.#key('fail', email))
  }

  /** Lift a lock and forget failures (after a password reset proved the owner). */
  async unlock(email: string): Promise<void> {
    await this.#redis.del(this.#key('lock', email), this.#key('fail', email))
  }

  #key(kind: 'fail' | 'lock', email: string): string {
    return `${this.#prefix}login-${kind}:${createHash('sha256').update(email).digest('hex').slice(0, 32)}`
  }
}
