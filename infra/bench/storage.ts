/**
 * `npm run bench:storage` — Kelmah's own hot queries against FerretDB 1.24.2 on SQLite, FerretDB on
 * PostgreSQL and (when `MONGO_URL` is set) a real MongoDB, side by side in one run, at 1,000 and
 * 10,000 documents per collection; prints one table per size (median milliseconds per query).
 *
 * Each query is the shape a service sends on a request path or the relay's sweep, with the file it
 * mirrors named in {@link QUERIES}; each collection gets the indexes its model declares (the same
 * files). Documents are written with the `mongodb` driver (the services' mongoose models add
 * nothing to what reaches the server for these shapes). The two FerretDB instances are started
 * here on their own ports with throwaway data (`up`'s `ephemeral`: SQLite files in `/dev/shm`,
 * PostgreSQL database `ferretdb_test_<port>` with `synchronous_commit = off`) and stopped at the end.
 *
 * Options: `--sizes=1000,10000`, `--budget-ms=1500` (time spent per query and backend, at least
 * three runs), `--json` (machine-readable results on stdout). Environment: `MONGO_URL` adds a
 * MongoDB column (database `kelmah_bench_<size>`, dropped first and after).
 *
 * Figures and what they mean: docs/ferretdb.md ("Kelmah's queries, side by side") and the README's
 * performance section.
 */
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'
import { MongoClient, ObjectId, type Db, type Document, type IndexSpecification } from 'mongodb'
import { stopStarted, type StartedName } from '../down.js'
import { isMain } from '../paths.js'
import type { Ctx } from '../up/context.js'
import { ensureMongo } from '../up/ferretdb.js'

/** A backend column of the table. */
interface Target {
  name: string
  url: string
}

/** The fixed ids a query looks up (one of each, present in every data set). */
interface Probe {
  jobId: ObjectId
  hirerId: string
  workerId: string
  conversationId: string
  userId: string
  dedupeKey: string
  version: number
}

/** One hot query: what it mirrors, and how to run it once against a seeded database. */
interface HotQuery {
  service: 'job' | 'messaging' | 'user' | 'bus'
  name: string
  /** The repository file whose query this is. */
  source: string
  run: (db: Db, p: Probe, i: number) => Promise<unknown>
}

const CATEGORIES = ['web-development', 'mobile-development', 'design', 'writing', 'data-science']
const SKILLS = ['react', 'node', 'typescript', 'figma', 'python', 'go', 'sql', 'copywriting']
const WORDS = ['react', 'dashboard', 'landing', 'mobile', 'api', 'logo', 'article', 'pipeline']

/**
 * The queries, in table order. A job list is `limit + 1` rows (the cursor page rule of
 * `libs/service-kit/src/pagination.ts`), default limit 20.
 */
export const QUERIES: HotQuery[] = [
  {
    service: 'job',
    name: 'job by `_id`',
    source: 'services/job/src/services/jobs.ts',
    run: (db, p) => db.collection('jobs').findOne({ _id: p.jobId }),
  },
  {
    service: 'job',
    name: 'browse: open public jobs, newest first',
    source: 'services/job/src/services/job-search.ts (#newest)',
    run: (db) =>
      db
        .collection('jobs')
        .find({ status: 'open', visibility: 'public' })
        .sort({ createdAt: -1, _id: -1 })
        .limit(21)
        .toArray(),
  },
  {
    service: 'job',
    name: 'browse by category, newest first',
    source: 'services/job/src/services/job-search.ts (#newest)',
    run: (db, _p, i) =>
      db
        .collection('jobs')
        .find({ status: 'open', visibility: 'public', category: CATEGORIES[i % CATEGORIES.length] })
        .sort({ createdAt: -1, _id: -1 })
        .limit(21)
        .toArray(),
  },
  {
    service: 'job',
    name: 'search one word (`keywords: {$all}`), newest first',
    source: 'services/job/src/services/job-search.ts (search)',
    run: (db, _p, i) =>
      db
        .collection('jobs')
        .find({ status: 'open', visibility: 'public', keywords: { $all: [WORDS[i % WORDS.length]] } })
        .sort({ createdAt: -1, _id: -1 })
        .limit(21)
        .toArray(),
  },
  {
    service: 'job',
    name: "a hirer's jobs, newest first",
    source: 'services/job/src/services/job-search.ts (mine)',
    run: (db, p) =>
      db.collection('jobs').find({ hirerId: p.hirerId }).sort({ createdAt: -1, _id: -1 }).limit(21).toArray(),
  },
  {
    service: 'job',
    name: "a job's applications, newest first",
    source: 'services/job/src/services/applications.ts (list)',
    run: (db, p) =>
      db
        .collection('applications')
        .find({ jobId: String(p.jobId) })
        .sort({ createdAt: -1, _id: -1 })
        .limit(21)
        .toArray(),
  },
  {
    service: 'job',
    name: 'guarded update `{_id, version}` (store.change)',
    source: 'libs/service-kit/src/store.ts (change)',
    run: async (db, p) => {
      const r = await db
        .collection('jobs')
        .updateOne(
          { _id: p.jobId, version: p.version },
          { $inc: { version: 1 }, $set: { updatedAt: new Date() } },
        )
      if (r.modifiedCount === 1) p.version += 1
    },
  },
  {
    service: 'messaging',
    name: "a user's conversations, latest activity first",
    source: 'services/messaging/src/services/conversations.ts (list)',
    run: (db, p) =>
      db
        .collection('conversations')
        .find({ participantIds: p.userId })
        .sort({ lastActivityAt: -1, _id: -1 })
        .limit(21)
        .toArray(),
  },
  {
    service: 'messaging',
    name: 'unread count of one conversation (`countDocuments`)',
    source: 'services/messaging/src/services/conversations.ts (view)',
    run: (db, p) =>
      db
        .collection('messages')
        .countDocuments({ conversationId: p.conversationId, recipientId: p.userId, readAt: null }),
  },
  {
    service: 'messaging',
    name: "a conversation's messages, newest first",
    source: 'services/messaging/src/services/messages.ts (list)',
    run: (db, p) =>
      db
        .collection('messages')
        .find({ conversationId: p.conversationId })
        .sort({ createdAt: -1, _id: -1 })
        .limit(51)
        .toArray(),
  },
  {
    service: 'messaging',
    name: 'send: dedupe lookup of a new `clientId` (a miss)',
    source: 'services/messaging/src/services/messages.ts (send)',
    run: (db, p) => db.collection('messages').findOne({ dedupeKey: p.dedupeKey }),
  },
  {
    service: 'messaging',
    name: 'send: insert the message (unique `dedupeKey`)',
    source: 'services/messaging/src/services/messages.ts (send)',
    run: (db, p, i) =>
      db
        .collection('messages')
        .insertOne(message(p.conversationId, p.userId, p.workerId, `bench:${Date.now()}:${i}`)),
  },
  {
    service: 'messaging',
    name: 'unread notifications count',
    source: 'services/messaging/src/services/notifications.ts (unreadCount)',
    run: (db, p) => db.collection('notifications').countDocuments({ userId: p.userId, unread: 1 }),
  },
  {
    service: 'user',
    name: 'worker search by skill (candidate cap 200)',
    source: 'services/user/src/services/search.ts',
    run: (db, _p, i) =>
      db
        .collection('profiles')
        .find({ role: 'worker', deactivated: false, skills: { $in: [SKILLS[i % SKILLS.length]] } })
        .sort({ 'rating.average': -1, _id: 1 })
        .limit(200)
        .toArray(),
  },
  {
    service: 'bus',
    name: "outbox relay sweep (`'outbox.0': {$exists}`)",
    source: 'libs/bus/src/outbox.ts (sweep)',
    run: (db) =>
      db
        .collection('jobs')
        .find({ 'outbox.0': { $exists: true } }, { projection: { _id: 1 } })
        .toArray(),
  },
]

/** The indexes each collection's model declares (the model files named in {@link QUERIES}). */
const INDEXES: Record<string, { key: IndexSpecification; unique?: boolean }[]> = {
  jobs: [
    { key: { status: 1, createdAt: -1, _id: -1 } },
    { key: { hirerId: 1, createdAt: -1, _id: -1 } },
    { key: { keywords: 1 } },
    { key: { skills: 1 } },
  ],
  applications: [
    { key: { jobId: 1, workerId: 1 }, unique: true },
    { key: { jobId: 1, createdAt: -1, _id: -1 } },
    { key: { workerId: 1, createdAt: -1, _id: -1 } },
  ],
  conversations: [{ key: { key: 1 }, unique: true }, { key: { participantIds: 1, lastActivityAt: -1 } }],
  messages: [
    { key: { dedupeKey: 1 }, unique: true },
    { key: { conversationId: 1, createdAt: -1, _id: -1 } },
    { key: { recipientId: 1, readAt: 1 } },
  ],
  notifications: [{ key: { userId: 1, unread: -1, createdAt: -1, _id: -1 } }],
  profiles: [{ key: { role: 1, deactivated: 1 } }, { key: { keywords: 1 } }, { key: { skills: 1 } }],
}

function message(conversationId: string, senderId: string, recipientId: string, dedupeKey: string): Document {
  return {
    conversationId,
    senderId,
    recipientId,
    type: 'text',
    body: 'Hello — can you start on Monday?',
    dedupeKey,
    readAt: null,
    createdAt: new Date(),
    outbox: [],
    version: 0,
  }
}

/** Fill `db` with `n` documents per collection, shaped like the models; returns the probe ids. */
async function seed(db: Db, n: number): Promise<Probe> {
  await db.dropDatabase()
  for (const [name, specs] of Object.entries(INDEXES))
    for (const s of specs) await db.collection(name).createIndex(s.key, { unique: s.unique ?? false })
  const users = Math.max(20, Math.floor(n / 10))
  const user = (i: number) => `user-${i % users}`
  const t0 = Date.UTC(2026, 0, 1)
  const jobs: Document[] = []
  const apps: Document[] = []
  const convs: Document[] = []
  const msgs: Document[] = []
  const notes: Document[] = []
  const profiles: Document[] = []
  for (let i = 0; i < n; i++) {
    const words = [WORDS[i % WORDS.length], WORDS[(i * 7 + 3) % WORDS.length], `w${i % 97}`]
    jobs.push({
      _id: new ObjectId(),
      title: `Job ${i}: ${words.join(' ')}`,
      hirerId: user(i),
      status: i % 5 === 0 ? 'closed' : 'open',
      visibility: i % 10 === 0 ? 'invite_only' : 'public',
      category: CATEGORIES[i % CATEGORIES.length],
      skills: [SKILLS[i % SKILLS.length], SKILLS[(i + 3) % SKILLS.length]],
      keywords: words,
      budget: { type: 'fixed', amountMinor: 10_000 + i, currency: 'USD' },
      budgetLowMinor: 10_000 + i,
      budgetHighMinor: 10_000 + i,
      createdAt: new Date(t0 + i * 60_000),
      outbox: [],
      version: 0,
    })
  }
  const jobIds = jobs.map((j) => j._id as ObjectId)
  for (let i = 0; i < n; i++) {
    apps.push({
      jobId: String(jobIds[i % Math.max(1, Math.floor(n / 20))]),
      workerId: `worker-${i}`,
      status: 'submitted',
      bid: { amountMinor: 9_000 + i, currency: 'USD' },
      createdAt: new Date(t0 + i * 1000),
      outbox: [],
      version: 0,
    })
    const a = user(i)
    const b = `worker-${i}`
    convs.push({
      key: `${a}|${b}|${i}`,
      participantIds: [a, b],
      jobId: null,
      lastActivityAt: new Date(t0 + i * 1000),
      outbox: [],
      version: 0,
    })
    msgs.push(message(`conv-${i % Math.max(1, Math.floor(n / 50))}`, b, a, `seed:${i}`))
    notes.push({
      userId: a,
      kind: 'new_message',
      unread: i % 3 === 0 ? 1 : 0,
      createdAt: new Date(t0 + i * 1000),
      outbox: [],
      version: 0,
    })
    profiles.push({
      _id: `profile-${i}`,
      role: i % 2 === 0 ? 'worker' : 'hirer',
      deactivated: false,
      displayName: `Person ${i}`,
      skills: [SKILLS[i % SKILLS.length], SKILLS[(i + 5) % SKILLS.length]],
      keywords: [`person`, `p${i % 89}`],
      rating: { average: (i % 50) / 10, count: i % 40, sequence: 1 },
      createdAt: new Date(t0 + i * 1000),
      outbox: [],
      version: 0,
    })
  }
  const batches: [string, Document[]][] = [
    ['jobs', jobs],
    ['applications', apps],
    ['conversations', convs],
    ['messages', msgs],
    ['notifications', notes],
    ['profiles', profiles],
  ]
  for (const [name, docs] of batches)
    for (let i = 0; i < docs.length; i += 500) await db.collection(name).insertMany(docs.slice(i, i + 500))
  return {
    jobId: jobIds[0] as ObjectId,
    hirerId: user(0),
    workerId: 'worker-0',
    conversationId: 'conv-0',
    userId: user(0),
    dedupeKey: 'seed:never-sent',
    version: 0,
  }
}

/** Median and 95th percentile (nearest rank) of `xs`, in the unit of `xs`. */
export function summarise(xs: number[]): { median: number; p95: number; runs: number } {
  const s = [...xs].sort((a, b) => a - b)
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN
  return { median: at(0.5), p95: at(0.95), runs: s.length }
}

/** One query's timings on one backend: one warm-up run, then runs until `budgetMs` (≥ 3, ≤ 50). */
async function time(q: HotQuery, db: Db, p: Probe, budgetMs: number): Promise<number[]> {
  await q.run(db, p, 0)
  const out: number[] = []
  const start = performance.now()
  for (let i = 1; out.length < 3 || (out.length < 50 && performance.now() - start < budgetMs); i++) {
    const t = performance.now()
    await q.run(db, p, i)
    out.push(performance.now() - t)
  }
  return out
}

/** Results: size → query name → backend → summary. */
export type BenchResults = Record<number, Record<string, Record<string, ReturnType<typeof summarise>>>>

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '1000,10000' },
      'budget-ms': { type: 'string', default: '1500' },
      json: { type: 'boolean', default: false },
    },
  })
  const sizes = values.sizes.split(',').map(Number)
  const budgetMs = Number(values['budget-ms'])
  if (sizes.some((s) => !Number.isInteger(s) || s < 10) || !(budgetMs > 0)) {
    console.error('usage: npm run bench:storage -- [--sizes=1000,10000] [--budget-ms=1500] [--json]')
    process.exit(2)
  }
  const log = (line: string) => console.error(`[bench] ${line}`)
  const started: StartedName[] = []
  const targets: Target[] = []
  try {
    for (const [backend, port] of [
      ['sqlite', 27118],
      ['postgresql', 27119],
    ] as const) {
      const ctx: Ctx = {
        env: { ...process.env, MONGO_URL: '', FERRETDB_BACKEND: backend, KELMAH_FERRETDB_PORT: String(port) },
        ephemeral: true,
        log,
        started,
        reused: [],
      }
      targets.push({
        name: `FerretDB/${backend === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`,
        url: await ensureMongo(ctx),
      })
    }
    if (process.env.MONGO_URL) targets.push({ name: 'MongoDB', url: process.env.MONGO_URL })

    const results: BenchResults = {}
    for (const size of sizes) {
      results[size] = {}
      for (const target of targets) {
        const client = await MongoClient.connect(target.url, { maxPoolSize: 1 })
        try {
          const db = client.db(`kelmah_bench_${size}`)
          const t = performance.now()
          const probe = await seed(db, size)
          log(
            `${target.name}: ${size} documents × 6 collections written in ${Math.round(performance.now() - t)} ms`,
          )
          for (const q of QUERIES) {
            ;(results[size][q.name] ??= {})[target.name] = summarise(await time(q, db, probe, budgetMs))
          }
          await db.dropDatabase()
        } finally {
          await client.close()
        }
      }
    }
    if (values.json) console.log(JSON.stringify({ targets: targets.map((t) => t.name), results }, null, 2))
    else console.log(render(targets, results))
  } finally {
    for (const name of started.reverse()) await stopStarted(name)
  }
}

/** Markdown tables, one per size: median ms (p95 in brackets) per query and backend. */
export function render(targets: Target[], results: BenchResults): string {
  const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2))
  const parts: string[] = []
  for (const [size, rows] of Object.entries(results)) {
    parts.push(`\n### ${Number(size).toLocaleString('en')} documents per collection — median ms (p95)\n`)
    parts.push(`| service | query | ${targets.map((t) => t.name).join(' | ')} |`)
    parts.push(`| --- | --- | ${targets.map(() => '---:').join(' | ')} |`)
    for (const q of QUERIES) {
      const cells = targets.map((t) => {
        const s = rows[q.name]?.[t.name]
        return s ? `${fmt(s.median)} (${fmt(s.p95)})` : '—'
      })
      parts.push(`| ${q.service} | ${q.name} | ${cells.join(' | ')} |`)
    }
  }
  return parts.join('\n')
}

if (isMain(import.meta.url))
  main().catch((err: unknown) => {
    console.error(err)
    process.exit(1)
  })
