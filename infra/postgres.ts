/**
 * The PostgreSQL server that FerretDB's `postgresql` backend keeps its data in (the default
 * backend; why, and the figures, in docs/ferretdb.md).
 *
 * It is the machine's own PostgreSQL on `127.0.0.1:5432`, user `postgres` without a password
 * (trust authentication for loopback, as a Debian/Ubuntu `postgresql` package sets up locally).
 * When nothing answers there and the Debian cluster tools are installed, its cluster is started
 * with `pg_ctlcluster --skip-systemctl-redirect <version> <cluster> start` and recorded in
 * `.data/run/postgresql.pid`, so `infra/down.ts` stops it again — exactly like RabbitMQ. A server
 * named by `KELMAH_POSTGRES_URL` is only checked, never started or stopped.
 *
 * Databases are created and dropped with `psql` (the client that comes with the server package),
 * so the project needs no PostgreSQL driver of its own.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import { InfraError } from './errors.js'
import { RUN_DIR } from './paths.js'
import { tcpAnswers, waitUntil } from './probes.js'
import { isAlive } from './processes.js'
import { findProgram } from './programs.js'

/** Name of a started PostgreSQL in `up().started` and of its pid file `.data/run/postgresql.pid`. */
export const POSTGRES_NAME = 'postgresql'
/** See {@link POSTGRES_NAME}. */
export type PostgresName = typeof POSTGRES_NAME

/** The machine's PostgreSQL, as FerretDB is told to reach it (no database in the path). */
export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432'
const DEFAULT_HOST = '127.0.0.1'
const DEFAULT_PORT = 5432

/** How long a started (or starting) server may take to accept `SELECT 1`, in milliseconds. */
const START_TIMEOUT_MS = 60_000
/** How long one `psql` call may take, in milliseconds. */
const PSQL_TIMEOUT_MS = 30_000

const INSTALL_HINT =
  'Install it (Debian/Ubuntu: sudo apt-get install postgresql; macOS: brew install postgresql@15), ' +
  'or set KELMAH_POSTGRES_URL to a PostgreSQL you run, or FERRETDB_BACKEND=sqlite to use SQLite instead.'

/** A PostgreSQL server that answers, and how to talk to it. */
export interface PostgresServer {
  /** Server URL without a database, e.g. {@link DEFAULT_POSTGRES_URL}. */
  url: string
  /** Absolute path of the `psql` client used for database administration. */
  psql: string
  /** Whether this call started it (then it is recorded in `.data/run/postgresql.pid`). */
  started: boolean
}

/** Options of {@link ensurePostgres}. */
export interface EnsurePostgresOptions {
  /** Environment to read `KELMAH_POSTGRES_URL` and `PATH` from (default `process.env`). */
  env?: NodeJS.ProcessEnv
  /** Progress lines (default: none). */
  log?: (line: string) => void
}

/** Options of {@link preparePostgresDatabase}. */
export interface DatabaseOptions {
  /** Drop the database first (`DROP DATABASE … WITH (FORCE)`), so it starts empty. Default false. */
  fresh?: boolean
  /**
   * Throwaway data (test runs): `ALTER DATABASE … SET synchronous_commit = off`, so a commit does
   * not wait for its WAL flush. A crash can lose the last commits but never corrupts anything.
   * Never for data worth keeping. Default false.
   */
  relaxed?: boolean
}

/** One cluster of the Debian PostgreSQL tools (`pg_lsclusters`). */
interface Cluster {
  version: string
  name: string
  port: number
  dataDir: string
  logFile: string
}

interface PsqlResult {
  ok: boolean
  stdout: string
  stderr: string
}

/** Hides the password of a URL before it goes into a message. */
function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@')
}

/** `url` with `/db` as its path (any path it had is replaced). */
export function postgresDatabaseUrl(url: string, db: string): string {
  const u = new URL(url)
  u.pathname = `/${db}`
  return u.toString()
}

/** Runs a command without a shell, collecting its output; never rejects (a spawn error is `ok: false`). */
function exec(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<PsqlResult & { code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? PSQL_TIMEOUT_MS,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.once('error', (err) => resolve({ ok: false, code: null, stdout, stderr: stderr || err.message }))
    child.once('close', (code) => resolve({ ok: code === 0, code, stdout, stderr }))
  })
}

/**
 * One SQL command through `psql` (`-X`: no ~/.psqlrc; `-w`: never prompt for a password; `-tA`:
 * bare values; `ON_ERROR_STOP`: a failing command fails the call).
 */
function runSql(psql: string, url: string, sql: string): Promise<PsqlResult> {
  return exec(psql, ['-X', '-w', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql], {
    env: { ...process.env, PGCONNECT_TIMEOUT: '3' },
  })
}

/** The database administration connects to: the URL's own, else `postgres`. */
function adminUrl(serverUrl: string): string {
  const u = new URL(serverUrl)
  return u.pathname.length > 1 ? u.toString() : postgresDatabaseUrl(serverUrl, 'postgres')
}

async function answers(psql: string, serverUrl: string): Promise<PsqlResult> {
  const res = await runSql(psql, adminUrl(serverUrl), 'SELECT 1')
  return { ...res, ok: res.ok && res.stdout.trim() === '1' }
}

/** The clusters `pg_lsclusters` knows; falls back to the versions in `/etc/postgresql` with a `main` cluster. */
async function listClusters(env: NodeJS.ProcessEnv): Promise<Cluster[]> {
  const lsclusters = await findProgram('pg_lsclusters', env)
  if (lsclusters) {
    const res = await exec(lsclusters, ['--no-header'], { timeoutMs: 10_000 })
    const clusters = res.stdout
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f.length >= 6 && /^\d+$/.test(f[2] ?? ''))
      .map(([version, name, port, , , dataDir, logFile]) => ({
        version: version as string,
        name: name as string,
        port: Number(port),
        dataDir: dataDir as string,
        logFile: logFile ?? '',
      }))
    if (clusters.length > 0) return clusters
  }
  // The machine's documented way: `pg_ctlcluster $(ls /etc/postgresql) main start`.
  try {
    const versions = (await fs.readdir('/etc/postgresql')).filter((v) => /^\d+(\.\d+)?$/.test(v))
    return versions.map((version) => ({
      version,
      name: 'main',
      port: DEFAULT_PORT,
      dataDir: `/var/lib/postgresql/${version}/main`,
      logFile: `/var/log/postgresql/postgresql-${version}-main.log`,
    }))
  } catch {
    return []
  }
}

/** The pid of the postmaster running on `dataDir` (first line of `postmaster.pid`), if readable. */
function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8'), 10)
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

const pidPath = () => path.join(RUN_DIR, `${POSTGRES_NAME}.pid`)

async function recordedPid(): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await fs.readFile(pidPath(), 'utf8'), 10)
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** Whether `.data/run/postgresql.pid` exists, i.e. `up()` once started the machine's PostgreSQL. */
export async function postgresRecorded(): Promise<boolean> {
  return (await recordedPid()) !== undefined
}

/**
 * Makes sure a PostgreSQL answers for FerretDB: `KELMAH_POSTGRES_URL` when set (only checked),
 * else the machine's on 127.0.0.1:5432, whose cluster is started when it is installed but down.
 *
 * @returns the server URL (no database), the `psql` used, and whether this call started it.
 * @throws {InfraError} when PostgreSQL (or its `psql` client) is not installed — naming
 *   `apt-get install postgresql` — when it refuses user `postgres` without a password, or when a
 *   started cluster does not answer in time (naming its log file).
 */
export async function ensurePostgres(options: EnsurePostgresOptions = {}): Promise<PostgresServer> {
  const env = options.env ?? process.env
  const log = options.log ?? (() => undefined)
  const psql = await findProgram('psql', env)
  const given = env.KELMAH_POSTGRES_URL
  if (given) {
    if (!psql)
      throw new InfraError(
        `KELMAH_POSTGRES_URL is set but psql, the PostgreSQL client, is not installed (sudo apt-get install postgresql-client).`,
      )
    const res = await answers(psql, given)
    if (!res.ok)
      throw new InfraError(
        `KELMAH_POSTGRES_URL=${redact(given)} does not answer SELECT 1: ${res.stderr.trim()}`,
      )
    return { url: given, psql, started: false }
  }
  const url = DEFAULT_POSTGRES_URL
  if (psql && (await answers(psql, url)).ok) {
    log(`postgresql: ${url} already answers; using it`)
    return { url, psql, started: false }
  }
  if (await tcpAnswers(DEFAULT_HOST, DEFAULT_PORT)) {
    // Something listens: a server still starting, or one that refuses us.
    if (!psql)
      throw new InfraError(
        `A server listens on ${DEFAULT_HOST}:${DEFAULT_PORT} but psql, the PostgreSQL client, is not installed ` +
          '(Debian/Ubuntu: sudo apt-get install postgresql-client).',
      )
    let last: PsqlResult | undefined
    const ok = await waitUntil(async () => (last = await answers(psql, url)).ok, START_TIMEOUT_MS / 2, {
      intervalMs: 500,
      // Worth waiting only while it is starting up; a refusal (authentication, no such role) is final.
      stillWorth: () => !last || /starting up|recovery|shutting down|Connection refused/i.test(last.stderr),
    })
    if (ok) return { url, psql, started: false }
    throw new InfraError(
      `PostgreSQL on ${DEFAULT_HOST}:${DEFAULT_PORT} refuses \`psql -d ${adminUrl(url)}\`: ${last?.stderr.trim() ?? ''}\n` +
        'FerretDB connects as user postgres without a password: allow that for 127.0.0.1 ' +
        '(a "host all all 127.0.0.1/32 trust" line in pg_hba.conf), or set KELMAH_POSTGRES_URL=postgres://user:password@host:port, ' +
        'or FERRETDB_BACKEND=sqlite.',
    )
  }
  const pgCtlCluster = await findProgram('pg_ctlcluster', env)
  const cluster = (await listClusters(env)).find((c) => c.port === DEFAULT_PORT)
  if (!psql || !pgCtlCluster)
    throw new InfraError(
      `PostgreSQL does not answer on ${DEFAULT_HOST}:${DEFAULT_PORT} and is not installed.\n${INSTALL_HINT}`,
    )
  if (!cluster)
    throw new InfraError(
      `PostgreSQL does not answer on ${DEFAULT_HOST}:${DEFAULT_PORT}, and it has no cluster on that port (pg_lsclusters).\n` +
        'Create one: sudo pg_createcluster <version> main --start (then allow user postgres from 127.0.0.1 without a password, ' +
        'a "host all all 127.0.0.1/32 trust" line in its pg_hba.conf), or set KELMAH_POSTGRES_URL, or FERRETDB_BACKEND=sqlite.',
    )
  const args = ['--skip-systemctl-redirect', cluster.version, cluster.name, 'start']
  log(`postgresql: starting cluster ${cluster.version}/${cluster.name} (pg_ctlcluster ${args.join(' ')})…`)
  const res = await exec(pgCtlCluster, args, { timeoutMs: START_TIMEOUT_MS })
  if (!res.ok) {
    // Started meanwhile by someone else (a parallel `up`): use it, it is not ours to stop.
    if ((await answers(psql, url)).ok) return { url, psql, started: false }
    throw new InfraError(
      `pg_ctlcluster ${args.join(' ')} failed (exit ${res.code}): ${(res.stderr || res.stdout).trim()}\n` +
        'It must run as root or as the cluster owner (postgres): run it once with sudo, or set FERRETDB_BACKEND=sqlite.',
    )
  }
  const ok = await waitUntil(async () => (await answers(psql, url)).ok, START_TIMEOUT_MS, { intervalMs: 500 })
  if (!ok)
    throw new InfraError(
      `PostgreSQL ${cluster.version}/${cluster.name} was started but does not answer on ${DEFAULT_HOST}:${DEFAULT_PORT}; see ${cluster.logFile || '/var/log/postgresql/'}`,
    )
  const pid = postmasterPid(cluster.dataDir)
  await fs.mkdir(RUN_DIR, { recursive: true })
  // No readable postmaster.pid (not root): still record that we started it; `down` then asks the cluster tools.
  await fs.writeFile(pidPath(), `${pid ?? 0}\n`)
  log(`postgresql: started ${cluster.version}/${cluster.name} on ${url} (pid ${pid ?? '?'})`)
  return { url, psql, started: true }
}

/**
 * Makes sure database `db` exists on `server` (creating it when missing; a concurrent creation is
 * fine), optionally empty and relaxed for throwaway test data.
 *
 * @param db - a lower-case SQL identifier (`[a-z_][a-z0-9_]*`, at most 63 characters).
 * @returns the database's URL, e.g. `postgres://postgres@127.0.0.1:5432/ferretdb`.
 * @throws {InfraError} when `db` is not such a name or a `psql` command fails (its message included).
 */
export async function preparePostgresDatabase(
  server: Pick<PostgresServer, 'url' | 'psql'>,
  db: string,
  options: DatabaseOptions = {},
): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(db))
    throw new InfraError(`${db} is not a plain PostgreSQL database name`)
  const admin = adminUrl(server.url)
  const sql = async (statement: string, tolerate?: RegExp): Promise<string> => {
    const res = await runSql(server.psql, admin, statement)
    if (!res.ok && !(tolerate && tolerate.test(res.stderr)))
      throw new InfraError(`PostgreSQL ${redact(server.url)}: \`${statement}\` failed: ${res.stderr.trim()}`)
    return res.stdout.trim()
  }
  if (options.fresh) await sql(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`)
  const exists = (await sql(`SELECT 1 FROM pg_database WHERE datname = '${db}'`)) === '1'
  if (!exists) await sql(`CREATE DATABASE "${db}"`, /already exists/)
  if (options.relaxed) await sql(`ALTER DATABASE "${db}" SET synchronous_commit = off`)
  return postgresDatabaseUrl(server.url, db)
}

/**
 * Stops the machine's PostgreSQL if `up()` started it (`.data/run/postgresql.pid`) and the same
 * server still runs: `pg_ctlcluster … stop` in fast mode (open connections are closed). A server
 * restarted since by someone else is left alone. The pid file is removed either way.
 *
 * @param graceMs - how long the stop may take, in milliseconds (default 10 000; `pg_ctlcluster`
 *   gets three times that, as `rabbitmqctl shutdown` does).
 * @returns true when a running server was stopped.
 */
export async function stopStartedPostgres(graceMs = 10_000): Promise<boolean> {
  const pid = await recordedPid()
  if (pid === undefined) {
    await fs.rm(pidPath(), { force: true })
    return false
  }
  const cluster = (await listClusters(process.env)).find((c) => c.port === DEFAULT_PORT)
  const running = cluster ? postmasterPid(cluster.dataDir) : undefined
  // pid 0: recorded without a readable postmaster.pid; then trust that the cluster is ours.
  const ours = pid === 0 ? running === undefined && cluster !== undefined : running === pid && isAlive(pid)
  let stopped = false
  const pgCtlCluster = await findProgram('pg_ctlcluster')
  if (ours && cluster && pgCtlCluster) {
    const res = await exec(
      pgCtlCluster,
      ['--skip-systemctl-redirect', '-m', 'fast', cluster.version, cluster.name, 'stop'],
      { timeoutMs: graceMs * 3 },
    )
    stopped = res.ok
  }
  await fs.rm(pidPath(), { force: true })
  return stopped
}
