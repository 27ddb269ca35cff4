/**
 * Per-user message rate limit in Redis, so every instance counts against the same budget: a
 * window starts with a user's first message (`INCR`, then `EXPIRE … NX` sets its end only once)
 * and allows `max` messages until it ends. Unlike clock-aligned windows, a burst cannot straddle a
 * boundary to get twice the budget.
 */
import type { Redis } from 'ioredis'

/** The limit: `max` messages per `windowS` seconds. */
export interface RatePolicy {
  max: number
  windowS: number
}

/** A per-user counter. */
export class MessageRateLimit {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly policy: RatePolicy,
  ) {}

  /**
   * Count one message of `userId`.
   *
   * @returns 0 when allowed, else the seconds until the window ends (send nothing)
   */
  async consume(userId: string): Promise<number> {
    const key = `${this.prefix}rl:${userId}`
    const res = (await this.redis
      .multi()
      .incr(key)
      .expire(key, this.policy.windowS, 'NX')
      .pttl(key)
      .exec()) as Array<[unknown, number]>
    const count = res[0]?.[1] ?? 0
    if (count <= this.policy.max) return 0
    return Math.max(1, Math.ceil((res[2]?.[1] ?? 1000) / 1000))
  }

  /**
   * Give back one message of `userId` counted by {@link consume} (a retried `clientId` that
   * turned out to be stored already). Only while the window lasts: an expired window is not
   * brought back as a counter without an end.
   */
  async refund(userId: string): Promise<void> {
    await this.redis.eval(REFUND, 1, `${this.prefix}rl:${userId}`)
  }
}

/** DECR the counter if it still exists (it keeps its expiry). */
const REFUND = "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end return 0"
