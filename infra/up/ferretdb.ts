/** MongoDB for `up()` (infra/up.ts): a `MONGO_URL` checked, one answering reused, else FerretDB started. */
import fs from 'node:fs/promises'
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { InfraError } from '../errors.js'
import { DATA_DIR, REPO_ROOT } from '../paths.js'
import { POSTGRES_NAME, ensurePostgres, preparePostgresDatabase } from '../postgres.js'
import { mongoAnswers, waitUntil } from '../probes.js'
import { instanceName, isAlive, spawnDetached } from '../processes.js'
import { ensureTools } from '../tools.js'
import { type Ctx, START_TIMEOUT_MS, failedToStart, isWritableDir, portFrom, redact } from './context.js'

/** FerretDB's storage: `FERRETDB_BACKEND`, default `postgresql`. */
export type FerretdbBackend = 'postgresql' | 'sqlite'

/**
 * The FerretDB backend `env` asks for: `FERRETDB_BACKEND` = `postgresql` (default; `postgres` is
 * taken as the same) or `sqlite`, case-insensitive.
 *
 * @throws {InfraError} for any other value.
 */
export function ferretdbBackend(env: NodeJS.ProcessEnv = process.env): FerretdbBackend {
  const raw = (env.FERRETDB_BACKEND ?? '').trim().toLowerCase()
  if (raw === '' || raw === 'postgresql' || raw === 'postgres') return 'postgresql'
  if (raw === 'sqlite') return 'sqlite'
  throw new InfraError(
    `FERRETDB_BACKEND=${env.FERRETDB_BACKEND} is neither postgresql (the default) nor sqlite`,
  )
}

/**
 * FerretDB's PostgreSQL database for an instance: `ferretdb` (`npm start`, seed, demo, benchmarks)
 * or `ferretdb_test` (test runs), with `_<port>` appended for a non-default port, so that each
 * instance has its own data as it has its own pid and log files.
 */
export function ferretdbDatabase(port: number, ephemeral: boolean): string {
  return `ferretdb${ephemeral ? '_test' : ''}${port === 27017 ? '' : `_${port}`}`
}

/**
 * PostgreSQL connections one FerretDB instance may hold (its `pool_max_conns`), set here to
 * FerretDB 1.24's own default (`internal/backends/postgresql/metadata/pool/uri.go`) so that it is
 * written down. Not lower: FerretDB 1.24 was seen here to deadlock when its pool ran dry — a
 * `dropDatabase` held the metadata registry's write lock while waiting for a pooled connection,
 * every connection was held by an open cursor (a `find` past its first batch keeps its
 * PostgreSQL connection until the last `getMore`), and the clients' `getMore`s queued behind
 * commands waiting for that lock (goroutine dump, infra/README.md). A bound of 20 hung within
 * minutes under two test suites and a benchmark; 50 hung once, when PostgreSQL itself refused
 * connections (`max_connections` 100, shared by several instances). Hence one FerretDB per
 * machine (`npm start` and `npm test` share it).
 */
export const FERRETDB_POSTGRES_POOL = 50

/** `dbUrl` with FerretDB's pool size ({@link FERRETDB_POSTGRES_POOL}) unless the URL sets one. */
export function withPoolBound(dbUrl: string): string {
  const u = new URL(dbUrl)
  if (!u.searchParams.has('pool_max_conns'))
    u.searchParams.set('pool_max_conns', String(FERRETDB_POSTGRES_POOL))
  return u.toString()
}

export async function ensureMongo(ctx: Ctx): Promise<string> {
  const given = ctx.env.MONGO_URL
  if (given) {
    if (!(await mongoAnswers(given)))
      throw new InfraError(`MONGO_URL=${redact(given)} does not answer a MongoDB ping`)
    ctx.reused.push('mongodb (MONGO_URL)')
    return given
  }
  const backend = ferretdbBackend(ctx.env)
  const port = portFrom(ctx.env, 'KELMAH_FERRETDB_PORT', 27017)
  const url = `mongodb://127.0.0.1:${port}`
  if (await mongoAnswers(url)) {
    // One FerretDB per port: whatever answers is used, whichever backend it was started with.
    const running = runningFerretdbBackend(port)
    const note =
      running && running !== backend
        ? ` (FerretDB on ${running}; FERRETDB_BACKEND=${backend} applies only to a FerretDB started here)`
        : ''
    ctx.log(`mongodb: ${url} already answers; using it${note}`)
    ctx.reused.push('mongodb')
    return url
  }
  const { ferretdb } = await ensureTools(['ferretdb'])
  const name = instanceName('ferretdb', port, 27017)
  const suffix = name === 'ferretdb' ? '' : `-${port}`
  const memoryDir = ctx.ephemeral && (await isWritableDir('/dev/shm')) ? `/dev/shm/kelmah-${name}` : undefined
  if (memoryDir) await fs.rm(memoryDir, { recursive: true, force: true })
  const base = memoryDir ?? DATA_DIR
  const stateDir = path.join(base, `ferretdb-state${suffix}`)
  await fs.mkdir(stateDir, { recursive: true })
  let storage: string[]
  let where: string
  if (backend === 'postgresql') {
    const server = await ensurePostgres({ env: ctx.env, log: ctx.log })
    if (server.started) ctx.started.push(POSTGRES_NAME)
    const db = ferretdbDatabase(port, ctx.ephemeral)
    const dbUrl = await preparePostgresDatabase(server, db, { fresh: ctx.ephemeral, relaxed: ctx.ephemeral })
    storage = ['--handler=postgresql', `--postgresql-url=${withPoolBound(dbUrl)}`]
    where = `PostgreSQL database ${db} on ${redact(server.url)}`
  } else {
    const dataDir = path.join(base, `ferretdb${suffix}`)
    await fs.mkdir(dataDir, { recursive: true })
    storage = ['--handler=sqlite', `--sqlite-url=file:${dataDir}/`]
    where = `SQLite files in ${memoryDir ? dataDir : path.relative(REPO_ROOT, dataDir)}/`
  }
  const pid = await spawnDetached(name, ferretdb, [
    ...storage,
    `--state-dir=${stateDir}`,
    `--listen-addr=127.0.0.1:${port}`,
    '--telemetry=disable',
    '--debug-addr=-', // `-` turns the debug HTTP listener off (it would take port 8088)
    '--log-level=warn',
  ])
  ctx.started.push(name)
  ctx.log(`mongodb: started FerretDB on ${url} (pid ${pid}, ${where})`)
  const ok = await waitUntil(() => mongoAnswers(url), START_TIMEOUT_MS.ferretdb, {
    stillWorth: () => isAlive(pid),
  })
  if (!ok) throw await failedToStart(`FerretDB on ${url}`, name, pid)
  return url
}

/**
 * The `--handler` of a FerretDB process listening on `127.0.0.1:<port>`, read from
 * `/proc/<pid>/cmdline` (FerretDB does not tell over the wire); undefined when not found.
 */
function runningFerretdbBackend(port: number): string | undefined {
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))
  } catch {
    return undefined // no /proc (macOS)
  }
  for (const pid of pids) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
      if (!argv[0]?.endsWith('ferretdb') || !argv.includes(`--listen-addr=127.0.0.1:${port}`)) continue
      // FerretDB 1.24's default handler is postgresql.
      return argv.find((a) => a.startsWith('--handler='))?.slice('--handler='.length) ?? 'postgresql'
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return undefined
}
