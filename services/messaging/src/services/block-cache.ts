/**
 * Blocks in Redis, for the check every message and call makes (`Safety.isBlocked`): one Redis
 * round trip instead of a FerretDB read (≈ 1.7–4.5 ms under the 25-pair benchmark, the largest
 * share of a send's database time after the insert; README "Performance"). The `blocks`
 * collection stays the source of truth; the cache is rebuilt from it per blocker, on a miss.
 *
 * Keys (under the service's Redis prefix):
 * - `blocks:<blocker>`: a set of the ids `<blocker>` blocked, plus the member `.` so a loaded
 *   empty list exists; expires {@link BLOCK_CACHE_TTL_MS} after it was loaded.
 * - `blocks-gen:<blocker>`: a counter bumped by every block and unblock of `<blocker>` (no expiry).
 *
 * The race a read-through cache has — a load reads the database, a block commits and clears the
 * set, then the load writes the older list back — is closed by the counter: a load writes only
 * when the counter is still the one it saw before it read the database ({@link LOAD}), and a
 * block or unblock bumps it and deletes the set after its database write ({@link INVALIDATE}).
 */
import type { Redis } from 'ioredis'

/** How long a loaded block list is kept, milliseconds (bounds a stale list if an invalidation was lost). */
export const BLOCK_CACHE_TTL_MS = 10 * 60_000

/** The member marking a loaded list (never a user id: ids are hex or UUIDs). */
const LOADED = '.'

/**
 * Longest list cached, ids: {@link LOAD} passes the ids as script arguments, and Lua's `unpack`
 * takes at most ≈ 8,000. A blocker with more is answered from the database every time.
 */
export const BLOCK_CACHE_MAX_IDS = 5_000

/** KEYS: set, gen; ARGV: blocked. Returns `{1, 1|0}` when the list is loaded, else `{0, <gen>}`. */
const CHECK = `
if redis.call('exists', KEYS[1]) == 1 then
  return {1, redis.call('sismember', KEYS[1], ARGV[1])}
end
return {0, redis.call('get', KEYS[2]) or '0'}`

/** KEYS: set, gen; ARGV: seen gen, ttl ms, members… Writes the list only if no block or unblock came between. */
const LOAD = `
if (redis.call('get', KEYS[2]) or '0') ~= ARGV[1] then return 0 end
redis.call('del', KEYS[1])
redis.call('sadd', KEYS[1], unpack(ARGV, 3))
redis.call('pexpire', KEYS[1], ARGV[2])
return 1`

/** KEYS: set, gen. */
const INVALIDATE = `redis.call('incr', KEYS[2]) redis.call('del', KEYS[1]) return 1`

/** The block lists of blockers, cached in Redis (module docs above). */
export class BlockCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  #keys(blocker: string): [string, string] {
    return [`${this.prefix}blocks:${blocker}`, `${this.prefix}blocks-gen:${blocker}`]
  }

  /**
   * True when `blocker` blocked `blocked`, from the cached list; on a miss `load` reads the
   * blocker's list from the database and it is cached unless a block or unblock raced the load.
   *
   * @param load - the ids `blocker` blocked, from the `blocks` collection
   */
  async isBlocked(blocker: string, blocked: string, load: () => Promise<string[]>): Promise<boolean> {
    const keys = this.#keys(blocker)
    const [loaded, value] = (await this.redis.eval(CHECK, 2, ...keys, blocked)) as [number, number | string]
    if (loaded === 1) return value === 1
    const ids = await load()
    if (ids.length <= BLOCK_CACHE_MAX_IDS)
      await this.redis.eval(LOAD, 2, ...keys, String(value), BLOCK_CACHE_TTL_MS, LOADED, ...ids)
    return ids.includes(blocked)
  }

  /**
   * Drop `blocker`'s cached list after a block or unblock was written to the database (the next
   * check loads it again). @throws the Redis error: the caller's request fails and is retried
   * (blocking and unblocking are idempotent); the list would otherwise be stale for up to
   * {@link BLOCK_CACHE_TTL_MS}.
   */
  async invalidate(blocker: string): Promise<void> {
    await this.redis.eval(INVALIDATE, 2, ...this.#keys(blocker))
  }
}
