/**
 * The browse/search read model of jobs in Redis (services/job/README.md, "Browse read model").
 * FerretDB 1.24 sorts in Go after fetching every match, so `GET /api/jobs` over 10,000 jobs took
 * seconds on the database; here a page is a few Redis round trips.
 *
 * Layout, under `<REDIS_KEY_PREFIX><database>:rm<LAYOUT>:` (the database name keeps two
 * deployments — or two test apps — on one Redis apart; the layout version in the name lets a new
 * layout build beside the old one):
 * - `card` hash: job id → the job document as JSON (without the outbox) — the list's items;
 * - `f` hash: job id → its {@link Facet} (category, skills, budget type/currency/range);
 * - `v` hash: job id → the version stored (the guard); `m` hash: job id → its memberships (JSON);
 * - sorted sets of score 0 whose members are `<16-digit key>:<id>` (`domain/job-browse.ts`):
 *   `n:<status>`, `n:<status>:c:<category>`, `n:<status>:w:<word>`, `n:<status>:s:<skill>`
 *   (newest first by `createdAt` ms) and `bh:<status>` / `bl:<status>` (budget high / low), read
 *   with `ZRANGE … BYLEX [REV] LIMIT`: exact keyset pages in the database's order;
 * - `meta` hash (`built` once a full build finished), `lock` (the builder's `SET NX PX`).
 *
 * Writes: {@link JobIndex.refresh} reads the job by `_id` and applies it with one Lua script
 * that refuses an older `version` than the stored one (equal versions apply: a counter such as
 * `applicationCount` or the suspension flag changes without a version bump), then reads the job
 * again and repeats when it moved meanwhile — so whichever refresh writes last writes the latest
 * state. Idempotent: the same state twice is the same entry.
 */
import type { Redis } from 'ioredis'
import { Types, type Model } from 'mongoose'
import type { FastifyBaseLogger } from 'fastify'
import {
  facetOf,
  idOfMember,
  matchesFacet,
  membershipsOf,
  memberOf,
  newestDrivers,
  sets,
  smallest,
  type BrowseCriteria,
  type BrowseFacts,
  type Facet,
} from '../domain/job-browse.js'
import type { JobDoc } from '../models/job.js'

/** Version of the key layout; bump it when the layout or the card changes (a rebuild follows at start). */
export const LAYOUT = 1

/**
 * How long a builder holds the lock (milliseconds). A build of 10,000 jobs takes seconds; a
 * crashed builder's lock expires. Should a build outlast it, a second builder is harmless
 * (entries are idempotent and version-guarded) — only wasted work.
 */
const LOCK_MS = 120_000

/** Rounds of {@link JobIndex.refresh} before it leaves the entry to the next trigger. */
const REFRESH_ROUNDS = 3

const UPSERT_LUA = `
local cur = redis.call('HGET', KEYS[1], ARGV[2])
if cur and tonumber(cur) > tonumber(ARGV[3]) then return 0 end
local old = redis.call('HGET', KEYS[2], ARGV[2])
if old then
  for _, m in ipairs(cjson.decode(old)) do redis.call('ZREM', ARGV[1] .. m[1], m[2]) end
end
for _, m in ipairs(cjson.decode(ARGV[6])) do redis.call('ZADD', ARGV[1] .. m[1], 0, m[2]) end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[6])
if ARGV[4] == '' then
  redis.call('HDEL', KEYS[3], ARGV[2])
  redis.call('HDEL', KEYS[4], ARGV[2])
else
  redis.call('HSET', KEYS[3], ARGV[2], ARGV[4])
  redis.call('HSET', KEYS[4], ARGV[2], ARGV[5])
end
return 1
`

const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`

type IndexedRedis = Redis & {
  jobIndexUpsert(
    versions: string,
    memberships: string,
    cards: string,
    facets: string,
    prefix: string,
    id: string,
    version: string,
    card: string,
    facet: string,
    members: string,
  ): Promise<number>
  jobIndexRelease(lock: string, token: string): Promise<number>
}

/** A job as the read model stores it (lean, no outbox). */
type StoredJob = Omit<JobDoc, 'outbox'>

/** The projection of every read of the model (the outbox may be long and is never listed). */
const NO_OUTBOX = { outbox: 0, outboxPending: 0 } as const

/** The card of `job`: the document without its outbox (JSON: ids and dates as strings). */
function cardOf(job: StoredJob): string {
  const {
    outbox: _o,
    outboxPending: _p,
    ...card
  } = job as StoredJob & { outbox?: unknown; outboxPending?: unknown }
  return JSON.stringify(card)
}

/** The facts of `job` the domain rules read. */
export function browseFactsOf(job: StoredJob): BrowseFacts {
  return {
    id: String(job._id),
    status: job.status,
    visibility: job.visibility,
    hirerSuspended: job.hirerSuspended,
    category: job.category,
    skills: job.skills ?? [],
    keywords: job.keywords ?? [],
    budget: job.budget,
    budgetLowMinor: job.budgetLowMinor,
    budgetHighMinor: job.budgetHighMinor,
    createdAtMs: new Date(job.createdAt).getTime(),
  }
}

/** A card back to a `JobDoc` (ids and dates revived). */
function fromCard(json: string): JobDoc {
  const j = JSON.parse(json) as Record<string, unknown>
  const date = (v: unknown) => (v == null ? null : new Date(v as string))
  return {
    ...j,
    _id: new Types.ObjectId(j._id as string),
    createdAt: new Date(j.createdAt as string),
    updatedAt: new Date(j.updatedAt as string),
    publishedAt: date(j.publishedAt),
    closedAt: date(j.closedAt),
  } as unknown as JobDoc
}

/** What changes a job's entry (compared by {@link JobIndex.refresh} to see whether it moved). */
const stamp = (j: StoredJob | null) =>
  j
    ? `${j.version}|${j.applicationCount}|${j.hiredCount}|${j.hirerSuspended}|${j.status}|${new Date(j.updatedAt).getTime()}`
    : 'gone'

/** Options of {@link JobIndex}. */
export interface JobIndexOptions {
  redis: Redis
  /** Key prefix of the model, ending in `:` (layout included by the caller: {@link modelPrefix}). */
  prefix: string
  Job: Model<JobDoc>
  log: FastifyBaseLogger | Pick<Console, 'info' | 'warn' | 'error'>
}

/** The prefix of the model's keys for `base` (`REDIS_KEY_PREFIX`) and the database name. */
export function modelPrefix(base: string, database: string): string {
  return `${base}${database}:rm${LAYOUT}:`
}

/** The report of a {@link JobIndex.build}. */
export interface BuildReport {
  /** Jobs read from the database. */
  jobs: number
  /** Jobs listed (browseable). */
  listed: number
  /** Jobs whose entry was missing or differed from the database (fixed unless a dry run). */
  differing: string[]
  /** Whether the model was marked built before the run. */
  wasBuilt: boolean
  dryRun: boolean
}

/** The browse/search read model. */
export class JobIndex {
  readonly #redis: IndexedRedis
  readonly #p: string
  readonly #Job: Model<JobDoc>
  readonly #log: JobIndexOptions['log']
  #built = false
  #building: Promise<void> | undefined

  constructor(opts: JobIndexOptions) {
    const r = opts.redis as IndexedRedis
    if (typeof r.jobIndexUpsert !== 'function') {
      r.defineCommand('jobIndexUpsert', { numberOfKeys: 4, lua: UPSERT_LUA })
      r.defineCommand('jobIndexRelease', { numberOfKeys: 1, lua: RELEASE_LUA })
    }
    this.#redis = r
    this.#p = opts.prefix
    this.#Job = opts.Job
    this.#log = opts.log
  }

  /** The model's key prefix. */
  get prefix(): string {
    return this.#p
  }

  /** Whether a full build finished (as far as this instance saw; every query checks again). */
  get built(): boolean {
    return this.#built
  }

  /**
   * Write `job`'s entry: its card, facet and memberships, or none when it is not listed. Refused
   * (returns false) when the stored version is newer.
   */
  async apply(job: StoredJob): Promise<boolean> {
    const facts = browseFactsOf(job)
    const members = membershipsOf(facts)
    const listed = members.length > 0
    const res = await this.#redis.jobIndexUpsert(
      `${this.#p}v`,
      `${this.#p}m`,
      `${this.#p}card`,
      `${this.#p}f`,
      this.#p,
      facts.id,
      String(job.version ?? 0),
      listed ? cardOf(job) : '',
      listed ? JSON.stringify(facetOf(facts)) : '',
      JSON.stringify(members),
    )
    return res === 1
  }

  /**
   * Re-index one job from the database (by `_id`, the cheap lookup): apply it, read it again,
   * and repeat while it moved (see the module header). A job no longer stored leaves the lists.
   *
   * @throws Error when the database or Redis fails (event handlers: the bus retries)
   */
  async reindex(id: string | Types.ObjectId): Promise<void> {
    let job = await this.#Job.findById(id, NO_OUTBOX).lean<StoredJob>()
    for (let round = 0; round < REFRESH_ROUNDS; round++) {
      if (!job) {
        await this.#remove(String(id))
        return
      }
      await this.apply(job)
      const again = await this.#Job.findById(id, NO_OUTBOX).lean<StoredJob>()
      if (stamp(again) === stamp(job)) return
      job = again
    }
    this.#log.warn({ jobId: String(id) }, 'job kept changing while re-indexed; left to its next trigger')
  }

  /**
   * {@link reindex} for the write hooks: never throws — a failure is logged and left to the
   * next trigger (the job's events, a rebuild), so a Redis outage never fails a database write.
   */
  async refresh(id: string | Types.ObjectId): Promise<void> {
    try {
      await this.reindex(id)
    } catch (err) {
      this.#log.error({ err, jobId: String(id) }, 'job read model refresh failed')
    }
  }

  /** Re-index every job of `hirerId` (after a suspension copy: `hirerId` equality is pushed down). */
  async refreshHirer(hirerId: string): Promise<void> {
    try {
      const jobs = await this.#Job.find({ hirerId }, { _id: 1 }).lean<Pick<JobDoc, '_id'>[]>()
      for (const j of jobs) await this.refresh(j._id)
    } catch (err) {
      this.#log.error({ err, hirerId }, 'job read model refresh of a hirer failed')
    }
  }

  async #remove(id: string): Promise<void> {
    // No document: a tombstone no version can overwrite.
    await this.#redis.jobIndexUpsert(
      `${this.#p}v`,
      `${this.#p}m`,
      `${this.#p}card`,
      `${this.#p}f`,
      this.#p,
      id,
      'inf',
      '',
      '',
      '[]',
    )
  }

  /**
   * Build (or check, with `dryRun`) the whole model from the database: every job read once
   * (newest batches of 500, no outbox), its entry compared with what is stored and, unless
   * `dryRun`, applied; then `meta.built` is set. Safe while the service runs (the entries are
   * version-guarded, and a write during the build re-indexes its own job). Does not take the
   * lock: see {@link ensureBuilt}.
   */
  async build(opts: { dryRun?: boolean } = {}): Promise<BuildReport> {
    const dryRun = opts.dryRun ?? false
    const wasBuilt = (await this.#redis.hget(`${this.#p}meta`, 'built')) !== null
    const report: BuildReport = { jobs: 0, listed: 0, differing: [], wasBuilt, dryRun }
    const cursor = this.#Job.find({}, NO_OUTBOX).lean<StoredJob[]>().batchSize(500).cursor()
    let batch: StoredJob[] = []
    const flush = async () => {
      const ids = batch.map((j) => String(j._id))
      const [cards, members] = await Promise.all([
        ids.length ? this.#redis.hmget(`${this.#p}card`, ...ids) : [],
        ids.length ? this.#redis.hmget(`${this.#p}m`, ...ids) : [],
      ])
      await Promise.all(
        batch.map(async (job, i) => {
          const facts = browseFactsOf(job)
          const want = membershipsOf(facts)
          if (want.length > 0) report.listed++
          const same =
            (members[i] ?? '[]') === JSON.stringify(want) &&
            (want.length === 0 ? cards[i] === null : cards[i] === cardOf(job))
          if (same) return
          report.differing.push(facts.id)
          if (!dryRun) await this.apply(job)
        }),
      )
      batch = []
    }
    for await (const job of cursor) {
      report.jobs++
      batch.push(job)
      if (batch.length >= 500) await flush()
    }
    await flush()
    if (!dryRun) {
      await this.#redis.hset(`${this.#p}meta`, { built: new Date().toISOString(), layout: String(LAYOUT) })
      this.#built = true
    }
    return report
  }

  /**
   * Build the model unless it is built: one instance builds (`SET lock NX PX`), the others see
   * `meta.built` later. Runs in the background; until built every query answers from the
   * database. Resolves when this attempt ends (never rejects; failures are logged).
   */
  ensureBuilt(): Promise<void> {
    this.#building ??= (async () => {
      try {
        if ((await this.#redis.hget(`${this.#p}meta`, 'built')) !== null) {
          this.#built = true
          return
        }
        const report = await this.withLock(() => this.build())
        if (report) this.#log.info({ jobs: report.jobs, listed: report.listed }, 'job read model built')
      } catch (err) {
        this.#log.error({ err }, 'job read model build failed; lists answer from the database')
      } finally {
        this.#building = undefined
      }
    })()
    return this.#building
  }

  /**
   * Run `fn` holding the builders' lock (`SET NX PX`, released only by its holder).
   *
   * @returns what `fn` returned, or `undefined` when another builder holds the lock
   */
  async withLock<T>(fn: () => Promise<T>): Promise<T | undefined> {
    const token = new Types.ObjectId().toHexString()
    const lock = `${this.#p}lock`
    if ((await this.#redis.set(lock, token, 'PX', LOCK_MS, 'NX')) !== 'OK') return undefined
    try {
      return await fn()
    } finally {
      await this.#redis.jobIndexRelease(lock, token)
    }
  }

  /** Resolves when no build of this instance is running (`onClose`). */
  async settled(): Promise<void> {
    await this.#building
  }

  /**
   * Cards of the newest-first list matching `q` after `after` (a member, exclusive), at most
   * `want`; `undefined` when the model is not built (the caller answers from the database).
   */
  async newest(q: BrowseCriteria, after: string | undefined, want: number): Promise<JobDoc[] | undefined> {
    const drivers = newestDrivers(q)
    const [built, ...sizes] = await Promise.all([
      this.#redis.hget(`${this.#p}meta`, 'built'),
      ...drivers.map((d) => this.#redis.zcard(this.#p + d.set)),
    ])
    if (!this.#checkBuilt(built)) return undefined
    const driver = smallest(drivers, sizes)
    const words = q.words.filter((w) => w !== driver.word)
    const ids = await this.#scan(this.#p + driver.set, 'desc', after, want, q, words, driver)
    return this.#cards(ids)
  }

  /**
   * Cards of a budget-ordered list (`desc`: `budgetHighMinor` high to low; else `budgetLowMinor`
   * low to high; ties by id in the same direction) after `after`, at most `want`; `undefined`
   * when not built.
   */
  async byBudget(
    q: BrowseCriteria,
    desc: boolean,
    after: string | undefined,
    want: number,
  ): Promise<JobDoc[] | undefined> {
    const built = await this.#redis.hget(`${this.#p}meta`, 'built')
    if (!this.#checkBuilt(built)) return undefined
    const set = desc ? sets.budgetHigh(q.status) : sets.budgetLow(q.status)
    const ids = await this.#scan(this.#p + set, desc ? 'desc' : 'asc', after, want, q, q.words, { set })
    return this.#cards(ids)
  }

  #checkBuilt(built: string | null): boolean {
    if (built !== null) {
      this.#built = true
      return true
    }
    // Emptied or never built: answer from the database and (re)build in the background.
    this.#built = false
    void this.ensureBuilt()
    return false
  }

  /**
   * Walk `key` from `after` in `dir`, keeping members whose facet passes and which are in every
   * word set of `words`, until `want` are kept or the set ends. Chunks grow ×4 (from `want`, up
   * to 2,000) while the post-filter rejects. Members of newest-ordered sets are the same in the
   * word sets; a budget set's member is not, so its words are checked with the newest member
   * rebuilt from the facet's creation time.
   */
  async #scan(
    key: string,
    dir: 'asc' | 'desc',
    after: string | undefined,
    want: number,
    q: BrowseCriteria,
    words: readonly string[],
    driver: { set: string },
  ): Promise<string[]> {
    const budgetSet = !driver.set.startsWith('n:')
    const needFacet =
      (budgetSet && words.length > 0) ||
      (q.category !== undefined && !driver.set.includes(':c:')) ||
      (q.skills.length > 0 && !driver.set.includes(':s:')) ||
      q.type !== undefined ||
      q.currency !== undefined ||
      q.budgetMin !== undefined ||
      q.budgetMax !== undefined
    const kept: string[] = []
    let from = after === undefined ? (dir === 'desc' ? '+' : '-') : `(${after}`
    let chunk = Math.max(want, 1)
    for (;;) {
      const members =
        dir === 'desc'
          ? await this.#redis.zrange(key, from, '-', 'BYLEX', 'REV', 'LIMIT', 0, chunk)
          : await this.#redis.zrange(key, from, '+', 'BYLEX', 'LIMIT', 0, chunk)
      if (members.length === 0) break
      let ids = members.map(idOfMember)
      let newest = members
      if (needFacet) {
        const facets = await this.#redis.hmget(`${this.#p}f`, ...ids)
        const pass: number[] = []
        facets.forEach((f, i) => {
          if (f != null && matchesFacet(JSON.parse(f) as Facet, q)) pass.push(i)
        })
        if (budgetSet)
          newest = pass.map((i) => memberOf((JSON.parse(facets[i] as string) as Facet).at, ids[i] as string))
        else newest = pass.map((i) => members[i] as string)
        ids = pass.map((i) => ids[i] as string)
      }
      const hits =
        ids.length === 0
          ? []
          : await Promise.all(
              words.map((w) => this.#redis.zmscore(this.#p + sets.newestByWord(q.status, w), ...newest)),
            )
      for (let i = 0; i < ids.length && kept.length < want; i++) {
        if (hits.some((h) => h[i] === null)) continue
        kept.push(ids[i] as string)
      }
      if (kept.length >= want || members.length < chunk) break
      from = `(${members[members.length - 1] as string}`
      chunk = Math.min(chunk * 4, 2_000)
    }
    return kept
  }

  async #cards(ids: string[]): Promise<JobDoc[]> {
    if (ids.length === 0) return []
    const cards = await this.#redis.hmget(`${this.#p}card`, ...ids)
    // A card gone between the range and here (the job just left the list) is skipped.
    return cards.filter((c): c is string => c !== null).map(fromCard)
  }

  /** Delete every key of the model (tests, and the CLI's `--reset`). */
  async clear(): Promise<void> {
    let cursor = '0'
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', `${this.#p}*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) await this.#redis.unlink(...keys)
    } while (cursor !== '0')
    this.#built = false
  }
}

export { memberOf }
