/**
 * Brings up the local infrastructure, idempotently: each part that already answers is used as it
 * is, each part that does not is started (and recorded in `.data/run/` for `infra/down.ts`).
 *
 * | part | default | override |
 * | --- | --- | --- |
 * | MongoDB (FerretDB 1.24.2 on PostgreSQL, or SQLite) | mongodb://127.0.0.1:27017 | MONGO_URL, KELMAH_FERRETDB_PORT, FERRETDB_BACKEND |
 * | PostgreSQL for FerretDB (the machine's) | postgres://postgres@127.0.0.1:5432 | KELMAH_POSTGRES_URL |
 * | RabbitMQ (the machine's) | amqp://guest:guest@127.0.0.1:5672 | AMQP_URL |
 * | Redis (the machine's) | redis://127.0.0.1:6379 | REDIS_URL, KELMAH_REDIS_PORT |
 * | MailDev (SMTP sink + web/REST) | smtp://127.0.0.1:1025, http://127.0.0.1:1080 | SMTP_URL (+ MAILDEV_URL), KELMAH_MAILDEV_SMTP_PORT, KELMAH_MAILDEV_WEB_PORT |
 * | stripe-mock | http://127.0.0.1:12111 (https 12112) | STRIPE_API_URL, KELMAH_STRIPE_MOCK_PORT |
 *
 * A `*_URL` that is set is only checked, never started: it names something someone else runs.
 * `FERRETDB_BACKEND` is `postgresql` (default) or `sqlite`; it applies to a FerretDB started here,
 * and FerretDB's database is `ferretdb` (`ferretdb_test` for test runs, `_<port>` appended for a
 * `KELMAH_FERRETDB_PORT` instance). Why PostgreSQL, and the figures: docs/ferretdb.md.
 *
 * Run: `npm run infra:up` (prints the URLs as JSON on stdout).
 */
import { spawnSync } from 'node:child_process'
import { constants as fsConstants, existsSync, readFileSync, readdirSync } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import { stopStarted, type StartedName } from './down.js'
import { InfraError } from './errors.js'
import { DATA_DIR, LOG_DIR, REPO_ROOT, isMain } from './paths.js'
import { POSTGRES_NAME, ensurePostgres, preparePostgresDatabase } from './postgres.js'
import { amqpAnswers, httpAnswers, mongoAnswers, redisAnswers, tcpAnswers, waitUntil } from './probes.js'
import {
  type InfraName,
  instanceName,
  isAlive,
  logFile,
  logTail,
  pidFile,
  readPid,
  spawnDetached,
  writePid,
} from './processes.js'
import { findProgram } from './programs.js'
import { ensureTools } from './tools.js'

export { InfraError } from './errors.js'

/** Connection URLs of the local infrastructure, named as the apps' environment variables. */
export interface InfraUrls {
  /** MongoDB server, no database in the path (apps add `/kelmah_<name>`). */
  MONGO_URL: string
  AMQP_URL: string
  REDIS_URL: string
  /** SMTP server that accepts any mail (MailDev locally). */
  SMTP_URL: string
  /** MailDev's web UI and REST API (`GET <MAILDEV_URL>/api/email`); empty when SMTP_URL was given without it. */
  MAILDEV_URL: string
  /** Stripe API base URL (stripe-mock locally). */
  STRIPE_API_URL: string
}

/** What `up()` found and did. */
export interface UpResult {
  urls: InfraUrls
  /**
   * Processes this call started (pid files in `.data/run/`), in start order; pass them to
   * `down({ only })`. `postgresql` is the machine's PostgreSQL cluster, when this call started it.
   */
  started: StartedName[]
  /** Parts that were already answering and are used as they are. */
  reused: string[]
}

/** Options of {@link up}. */
export interface UpOptions {
  /** Environment to read URLs and ports from (default `process.env`). */
  env?: NodeJS.ProcessEnv
  /** Progress lines (default: stderr with an `[infra]` prefix). */
  log?: (line: string) => void
  /**
   * Throwaway data (test runs). A FerretDB started here uses, on PostgreSQL, its own database
   * `ferretdb_test` (dropped and created again, `synchronous_commit = off`); on SQLite, files in
   * memory (`/dev/shm`, emptied first) instead of `.data/`. Nothing of a test run is worth
   * keeping; the figures behind both choices are in docs/ferretdb.md.
   */
  ephemeral?: boolean
}

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

/** Timeouts for a started process to answer, in milliseconds. RabbitMQ boots slowly (10–20 s). */
const START_TIMEOUT_MS = {
  ferretdb: 30_000,
  rabbitmq: 90_000,
  redis: 10_000,
  maildev: 20_000,
  stripeMock: 30_000,
}

interface Ctx {
  env: NodeJS.ProcessEnv
  ephemeral: boolean
  log: (line: string) => void
  started: StartedName[]
  reused: string[]
}

/** Hides the password of a URL before it goes into a message. */
function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@')
}

function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new InfraError(`${name}=${raw} is not a TCP port (1–65535)`)
  return port
}

async function isWritableDir(dir: string): Promise<boolean> {
  try {
    await fs.access(dir, fsConstants.W_OK)
    return true
  } catch {
    return false
  }
}

async function failedToStart(
  what: string,
  name: InfraName,
  pid?: number,
  file = logFile(name),
): Promise<InfraError> {
  const tail = await logTail(file)
  const how = pid !== undefined && !isAlive(pid) ? 'exited before it answered' : 'did not answer in time'
  return new InfraError(`${what} ${how}.\nLast lines of ${file}:\n${tail || '(empty)'}`)
}

async function ensureMongo(ctx: Ctx): Promise<string> {
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
    storage = ['--handler=postgresql', `--postgresql-url=${dbUrl}`]
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

async function ensureRedis(ctx: Ctx): Promise<string> {
  const given = ctx.env.REDIS_URL
  if (given) {
    if (!(await redisAnswers(given))) throw new InfraError(`REDIS_URL=${redact(given)} does not answer PING`)
    ctx.reused.push('redis (REDIS_URL)')
    return given
  }
  const port = portFrom(ctx.env, 'KELMAH_REDIS_PORT', 6379)
  const url = `redis://127.0.0.1:${port}`
  if (await redisAnswers(url)) {
    ctx.log(`redis: ${url} already answers; using it`)
    ctx.reused.push('redis')
    return url
  }
  const bin = await findProgram('redis-server', ctx.env)
  if (!bin) {
    throw new InfraError(
      `Redis does not answer on ${url} and redis-server is not installed.\n` +
        'Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis), ' +
        'or set REDIS_URL to a Redis you run.',
    )
  }
  const name = instanceName('redis', port, 6379)
  // The machine's own way of running Redis for CI (no persistence); its folders when we may write
  // there, else ours under .data/ (a developer without root).
  const machineDirs =
    port === 6379 && (await isWritableDir('/var/lib/redis')) && (await isWritableDir('/var/log/redis'))
  const dir = machineDirs ? '/var/lib/redis' : path.join(DATA_DIR, name)
  const log = machineDirs ? '/var/log/redis/ci.log' : logFile(name)
  await fs.mkdir(dir, { recursive: true })
  await fs.mkdir(LOG_DIR, { recursive: true })
  await fs.mkdir(path.dirname(pidFile(name)), { recursive: true })
  // --daemonize forks and exits at once; Redis itself writes the daemon's pid to our pid file.
  const res = spawnSync(
    bin,
    [
      '--daemonize',
      'yes',
      '--bind',
      '127.0.0.1',
      '-::1',
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--logfile',
      log,
      '--pidfile',
      pidFile(name),
    ],
    { encoding: 'utf8', timeout: 10_000 },
  )
  if (res.status !== 0)
    throw new InfraError(`redis-server failed to start (exit ${res.status}): ${res.stderr || res.stdout}`)
  ctx.started.push(name)
  const ok = await waitUntil(() => redisAnswers(url), START_TIMEOUT_MS.redis)
  if (!ok) throw await failedToStart(`Redis on ${url}`, name, undefined, log)
  ctx.log(`redis: started redis-server on ${url} (pid ${(await readPid(name)) ?? '?'}, log ${log})`)
  return url
}

async function ensureRabbitmq(ctx: Ctx): Promise<string> {
  const given = ctx.env.AMQP_URL
  if (given) {
    if (!(await amqpAnswers(given)))
      throw new InfraError(`AMQP_URL=${redact(given)} does not accept an AMQP connection`)
    ctx.reused.push('rabbitmq (AMQP_URL)')
    return given
  }
  const url = 'amqp://guest:guest@127.0.0.1:5672'
  if (await amqpAnswers(url)) {
    ctx.log(`rabbitmq: ${redact(url)} already answers; using it`)
    ctx.reused.push('rabbitmq')
    return url
  }
  const bin = await findProgram('rabbitmq-server', ctx.env)
  if (!bin) {
    throw new InfraError(
      `RabbitMQ does not answer on ${redact(url)} and rabbitmq-server is not installed.\n` +
        'Install it (Debian/Ubuntu: sudo apt-get install rabbitmq-server; macOS: brew install rabbitmq), ' +
        'or set AMQP_URL to a broker you run.',
    )
  }
  ctx.log('rabbitmq: starting rabbitmq-server -detached (takes 10–20 s)…')
  const res = spawnSync(bin, ['-detached'], { encoding: 'utf8', timeout: 30_000 })
  if (res.status !== 0)
    throw new InfraError(`rabbitmq-server -detached failed (exit ${res.status}): ${res.stderr || res.stdout}`)
  ctx.started.push('rabbitmq')
  const ok = await waitUntil(() => amqpAnswers(url), START_TIMEOUT_MS.rabbitmq, { intervalMs: 1_000 })
  if (!ok)
    throw new InfraError(
      `RabbitMQ did not accept connections on ${redact(url)} in time; see /var/log/rabbitmq/`,
    )
  // The broker's Erlang VM pid, so down() can tell later whether the node it started still runs.
  const ctl = spawnSync(path.join(path.dirname(bin), 'rabbitmqctl'), ['-q', 'eval', 'os:getpid().'], {
    encoding: 'utf8',
    timeout: 20_000,
  })
  const pid = Number(/\d+/.exec(ctl.stdout ?? '')?.[0])
  if (Number.isInteger(pid) && pid > 0) await writePid('rabbitmq', pid)
  ctx.log(`rabbitmq: started on ${redact(url)} (pid ${Number.isInteger(pid) ? pid : '?'})`)
  return url
}

async function ensureMaildev(ctx: Ctx): Promise<{ smtp: string; web: string }> {
  const given = ctx.env.SMTP_URL
  if (given) {
    const u = new URL(given)
    if (!(await tcpAnswers(u.hostname, Number(u.port || 25))))
      throw new InfraError(`SMTP_URL=${redact(given)} does not accept connections`)
    ctx.reused.push('smtp (SMTP_URL)')
    return { smtp: given, web: ctx.env.MAILDEV_URL ?? '' }
  }
  const smtpPort = portFrom(ctx.env, 'KELMAH_MAILDEV_SMTP_PORT', 1025)
  const webPort = portFrom(ctx.env, 'KELMAH_MAILDEV_WEB_PORT', 1080)
  const smtp = `smtp://127.0.0.1:${smtpPort}`
  const web = `http://127.0.0.1:${webPort}`
  const smtpUp = () => tcpAnswers('127.0.0.1', smtpPort)
  const webUp = () => httpAnswers(`${web}/api/healthz`)
  const [smtpNow, webNow] = await Promise.all([smtpUp(), webUp()])
  if (smtpNow && webNow) {
    ctx.log(`maildev: ${smtp} and ${web} already answer; using them`)
    ctx.reused.push('maildev')
    return { smtp, web }
  }
  if (smtpNow !== webNow) {
    const busy = smtpNow ? `SMTP port ${smtpPort}` : `web port ${webPort}`
    throw new InfraError(
      `${busy} is taken by something that is not a MailDev we can use; free it or set KELMAH_MAILDEV_SMTP_PORT / KELMAH_MAILDEV_WEB_PORT`,
    )
  }
  const cli = path.join(REPO_ROOT, 'node_modules', 'maildev', 'dist', 'bin', 'maildev.js')
  if (!existsSync(cli))
    throw new InfraError(
      `MailDev is not installed (${cli} is missing): run npm install at the repository root`,
    )
  const name = instanceName('maildev', smtpPort, 1025)
  await fs.mkdir(DATA_DIR, { recursive: true })
  const pid = await spawnDetached(
    name,
    process.execPath,
    [
      cli,
      ...['--ip', '127.0.0.1', '--smtp', String(smtpPort), '--web-ip', '127.0.0.1', '--web', String(webPort)],
      // Its default keeps .eml files in the shared /tmp/maildev; ours stay under .data/ and are capped.
      ...['--mail-directory', path.join(DATA_DIR, name), '--max-emails', '1000'],
    ],
    { cwd: DATA_DIR }, // MailDev looks for config files from its cwd upwards
  )
  ctx.started.push(name)
  ctx.log(`maildev: started on ${smtp}, web/REST ${web} (pid ${pid})`)
  const ok = await waitUntil(async () => (await smtpUp()) && (await webUp()), START_TIMEOUT_MS.maildev, {
    stillWorth: () => isAlive(pid),
  })
  if (!ok) throw await failedToStart(`MailDev on ${smtp} / ${web}`, name, pid)
  return { smtp, web }
}

async function ensureStripeMock(ctx: Ctx): Promise<string> {
  const given = ctx.env.STRIPE_API_URL
  if (given) {
    if (!(await httpAnswers(given))) throw new InfraError(`STRIPE_API_URL=${given} does not answer HTTP`)
    ctx.reused.push('stripe (STRIPE_API_URL)')
    return given
  }
  const port = portFrom(ctx.env, 'KELMAH_STRIPE_MOCK_PORT', 12111)
  const url = `http://127.0.0.1:${port}`
  // stripe-mock answers 401 to a request without an API key: that is "up".
  const answers = () => httpAnswers(`${url}/v1/charges`)
  if (await answers()) {
    ctx.log(`stripe-mock: ${url} already answers; using it`)
    ctx.reused.push('stripe-mock')
    return url
  }
  const { stripeMock } = await ensureTools(['stripeMock'])
  const name = instanceName('stripe-mock', port, 12111)
  const pid = await spawnDetached(name, stripeMock, [
    '-http-addr',
    `127.0.0.1:${port}`,
    '-https-addr',
    `127.0.0.1:${port + 1}`,
  ])
  ctx.started.push(name)
  ctx.log(`stripe-mock: started on ${url} (https ${port + 1}, pid ${pid})`)
  const ok = await waitUntil(answers, START_TIMEOUT_MS.stripeMock, { stillWorth: () => isAlive(pid) })
  if (!ok) throw await failedToStart(`stripe-mock on ${url}`, name, pid)
  return url
}

/**
 * Makes sure MongoDB, RabbitMQ, Redis, an SMTP sink and a Stripe API answer, starting what is
 * missing (see the table at the top of this file). Safe to call again: things that answer are
 * reused, nothing is started twice.
 *
 * When any part fails, the processes this call started are stopped again before it throws.
 *
 * @returns the URLs, and the names of the processes this call started.
 * @throws {InfraError} naming what is missing and how to get it, or which log to read.
 */
export async function up(options: UpOptions = {}): Promise<UpResult> {
  const ctx: Ctx = {
    env: options.env ?? process.env,
    ephemeral: options.ephemeral ?? false,
    log: options.log ?? ((line) => process.stderr.write(`[infra] ${line}\n`)),
    started: [],
    reused: [],
  }
  const results = await Promise.allSettled([
    ensureMongo(ctx),
    ensureRabbitmq(ctx),
    ensureRedis(ctx),
    ensureMaildev(ctx),
    ensureStripeMock(ctx),
  ])
  const failures = results
    .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    .map((r) => r.reason as unknown)
  if (failures.length > 0) {
    for (const name of [...ctx.started].reverse()) await stopStarted(name)
    const text = failures.map((e) => (e instanceof Error ? e.message : String(e))).join('\n\n')
    throw new InfraError(text)
  }
  const [mongo, amqpUrl, redis, mail, stripe] = results.map(
    (r) => (r as PromiseFulfilledResult<unknown>).value,
  ) as [string, string, string, { smtp: string; web: string }, string]
  return {
    urls: {
      MONGO_URL: mongo,
      AMQP_URL: amqpUrl,
      REDIS_URL: redis,
      SMTP_URL: mail.smtp,
      MAILDEV_URL: mail.web,
      STRIPE_API_URL: stripe,
    },
    started: ctx.started,
    reused: ctx.reused,
  }
}

if (isMain(import.meta.url)) {
  try {
    const result = await up()
    console.log(JSON.stringify(result, null, 2))
  } catch (err) {
    console.error(err instanceof InfraError ? `infra: ${err.message}` : err)
    process.exit(1)
  }
}
