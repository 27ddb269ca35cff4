/**
 * Presence in Redis, shared by every instance: one sorted set per user of the ids of their open
 * sockets, scored by an expiry time. A socket's entry is refreshed on every heartbeat, so the
 * sockets of a crashed instance fall out by themselves after `ttlMs` (no TTL per member in Redis:
 * the score is the expiry). A user in an answered call also has an `incall` key.
 */
import type { Clock } from '@kelmah/service-kit'
import type { Redis } from 'ioredis'

/** What a contact sees. */
export type PresenceStatus = 'online' | 'offline' | 'in_call'

/** Presence state of all users. */
export class Presence {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
    private readonly clock: Clock = () => new Date(),
  ) {}

  /** The clock in epoch milliseconds (Redis scores are expiry times in ms). */
  private now(): number {
    return this.clock().getTime()
  }

  #key(userId: string) {
    return `${this.prefix}presence:${userId}`
  }
  #callKey(userId: string) {
    return `${this.prefix}incall:${userId}`
  }

  /**
   * Record an open socket, unless the user has `maxSockets` live sockets already (on any
   * instance: the set holds them all, and a crashed instance's entries expire by themselves).
   * The expired entries are dropped, the new one added and the live ones counted in one MULTI,
   * so of concurrent opens past the cap exactly the later ones are refused; a refused socket's
   * entry is removed again.
   *
   * @returns `cameOnline`: no other live socket; `refused`: over the cap (the caller closes it);
   *   `count`: live sockets including this one
   */
  async connect(
    userId: string,
    connId: string,
    maxSockets = Number.POSITIVE_INFINITY,
  ): Promise<{ cameOnline: boolean; refused: boolean; count: number }> {
    const key = this.#key(userId)
    const now = this.now()
    const res = (await this.redis
      .multi()
      .zremrangebyscore(key, '-inf', now)
      .zadd(key, now + this.ttlMs, connId)
      .zcard(key)
      .pexpire(key, this.ttlMs)
      .exec()) as Array<[unknown, number]>
    const count = res[2]?.[1] ?? 1
    if (count > maxSockets) {
      await this.redis.zrem(key, connId)
      return { cameOnline: false, refused: true, count: count - 1 }
    }
    return { cameOnline: count === 1, refused: false, count }
  }

  /** Refresh the entries of these sockets (heartbeat). */
  async refresh(entries: Array<{ userId: string; connId: string }>): Promise<void> {
    if (entries.length === 0) return
    const until = this.now() + this.ttlMs
    const multi = this.redis.multi()
    for (const e of entries)
      multi.zadd(this.#key(e.userId), until, e.connId).pexpire(this.#key(e.userId), this.ttlMs)
    await multi.exec()
  }

  /** Forget a closed socket. @returns true when the user just went offline (no live socket left) */
  async disconnect(userId: string, connId: string): Promise<boolean> {
    const key = this.#key(userId)
    const res = (await this.redis.multi().zrem(key, connId).zcount(key, this.now(), '+inf').exec()) as Array<
      [unknown, number]
    >
    return res[0]?.[1] === 1 && res[1]?.[1] === 0
  }

  /** Mark the user as in a call (or not). */
  async setInCall(userId: string, callId: string | null, ttlS: number): Promise<void> {
    if (callId) await this.redis.set(this.#callKey(userId), callId, 'EX', ttlS)
    else await this.redis.del(this.#callKey(userId))
  }

  /** The status of each user. */
  async statuses(userIds: string[]): Promise<Array<{ userId: string; status: PresenceStatus }>> {
    if (userIds.length === 0) return []
    const now = this.now()
    const multi = this.redis.multi()
    for (const id of userIds) multi.zcount(this.#key(id), now, '+inf').exists(this.#callKey(id))
    const res = ((await multi.exec()) ?? []) as Array<[unknown, number]>
    return userIds.map((userId, i) => {
      const online = (res[2 * i]?.[1] ?? 0) > 0
      const inCall = (res[2 * i + 1]?.[1] ?? 0) > 0
      return { userId, status: online ? (inCall ? 'in_call' : 'online') : 'offline' }
    })
  }
}
