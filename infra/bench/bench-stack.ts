/**
 * A whole stack of the API apps for a bench, started from ANY checkout (`repo`, default this one)
 * as real processes — `node --import tsx src/server.ts` in each app's folder, the environment of
 * `infra/services.ts`'s {@link appEnv} — on free ports, with databases `kelmah_<run>_<app>`,
 * Redis keys and rate-limit counters of their own and a RabbitMQ vhost of the run's own (the
 * isolation of `infra/test/fixtures/stack.ts`). A checkout other than this one needs its
 * `node_modules` (a symlink to this one's will do).
 *
 * Each app's `MONGO_URL` may point at a proxy of its own (`mongoHostPort`), which is how
 * `round-trips.ts` counts each service's database commands.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { MongoClient } from 'mongodb'
import { ensureJwtKey } from '../keys.js'
import {
  type AppEntry,
  APPS,
  appEnv,
  appUrl,
  withDatabase,
  freePort,
  appReady,
  stopChildren,
} from '../services.js'
import type { InfraUrls } from '../up.js'
import { createVhost, deleteOrphanVhosts, ownerSuffix } from '../vhost.js'

/** The API apps (not the web console). */
export const BENCH_APPS = ['gateway', 'auth', 'user', 'job', 'messaging', 'payment', 'review'] as const

/** The infrastructure URLs: the environment's, else the local defaults (`npm run infra:up`). */
export const BENCH_INFRA: InfraUrls = {
  MONGO_URL: process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017',
  AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  SMTP_URL: process.env.SMTP_URL ?? 'smtp://127.0.0.1:1025',
  MAILDEV_URL: process.env.MAILDEV_URL ?? 'http://127.0.0.1:1080',
  STRIPE_API_URL: process.env.STRIPE_API_URL ?? 'http://127.0.0.1:12111',
}

/** Options of {@link startBenchStack}. */
export interface BenchStackOptions {
  /** The checkout whose apps run (default this one). */
  repo: string
  /** Run name prefix (databases `kelmah_<prefix>_<hex>_<app>`). */
  prefix: string
  /** Per app: `host:port` its MONGO_URL points at instead of the real server (a proxy). */
  mongoHostPort?: (app: string) => string | undefined
  /** Extra environment for every app. */
  env?: Record<string, string>
  /** Longest wait for each app's readiness, ms (default 180 000). */
  readyTimeoutMs?: number
  /** Where each app's output line goes (default: kept for {@link BenchStack.tail} only). */
  onLine?: (line: string) => void
}

/** A running bench stack. */
export interface BenchStack {
  run: string
  urls: InfraUrls
  apps: AppEntry[]
  gatewayUrl: string
  /** The last `n` lines the apps printed. */
  tail(n?: number): string
  /** Stop every app (SIGTERM, then SIGKILL after 5 s), drop the databases, delete the vhost. */
  stop(): Promise<void>
}

/** `mongodb://host:port/db?…` with its host list replaced by `hostPort`. */
function withHost(url: string, hostPort: string): string {
  return url.replace(/^(mongodb(?:\+srv)?:\/\/)([^/?]+)/, `$1${hostPort}`)
}

/**
 * Start the API apps of `options.repo` and wait until each answers `/health/ready`.
 *
 * @throws Error when an app exits or is not ready in time (after stopping the others)
 */
export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const run = `${options.prefix}_${randomBytes(4).toString('hex')}`
  await deleteOrphanVhosts()
  const vhost = await createVhost(BENCH_INFRA.AMQP_URL, `kelmah-${run}${ownerSuffix()}`)
  const urls: InfraUrls = { ...BENCH_INFRA, AMQP_URL: vhost?.url ?? BENCH_INFRA.AMQP_URL }
  const apps: AppEntry[] = []
  for (const name of BENCH_APPS) {
    const app = APPS.find((a) => a.name === name)
    if (!app) throw new Error(`no ${name} in infra/services.ts`)
    apps.push({ ...app, port: await freePort() })
  }
  const keyDir = await fs.mkdtemp(path.join(os.tmpdir(), `kelmah-${options.prefix}-`))
  const jwtKey = await ensureJwtKey(path.join(keyDir, 'jwt-es256.pem'))
  const tsx = import.meta.resolve('tsx')
  const children: ChildProcess[] = []
  const output: string[] = []
  const tail = (n = 60) => output.slice(-n).join('\n')
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  }
  process.once('exit', killAll)

  const stop = async () => {
    await stopChildren(children)
    process.removeListener('exit', killAll)
    await fs.rm(keyDir, { recursive: true, force: true })
    const mongo = new MongoClient(urls.MONGO_URL, { serverSelectionTimeoutMS: 3_000, directConnection: true })
    try {
      await mongo.connect()
      for (const a of apps)
        await mongo
          .db(`kelmah_${run}_${a.name}`)
          .dropDatabase()
          .catch(() => undefined)
    } catch {
      // best effort
    } finally {
      await mongo.close()
    }
    await vhost?.delete()
  }

  const launch = (app: AppEntry): ChildProcess => {
    const proxied = options.mongoHostPort?.(app.name)
    const mongoUrl = withDatabase(urls.MONGO_URL, `kelmah_${run}_${app.name}`)
    const env: Record<string, string> = {
      ...appEnv(app, urls, { jwtKey, apps, logLevel: 'warn' }),
      MONGO_URL: proxied ? withHost(mongoUrl, proxied) : mongoUrl,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_NAMESPACE: `kelmah:${run}:rl:`,
      RATE_LIMIT_AUTH_MAX: '100000',
      RATE_LIMIT_MAX: '1000000',
      REDIS_KEY_PREFIX: `kelmah:${run}:${app.name}:`,
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_TIME_COST: '1',
      ...options.env,
    }
    const child = spawn(process.execPath, ['--conditions=development', '--import', tsx, 'src/server.ts'], {
      cwd: path.join(options.repo, app.dir),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(child)
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        const text = `[${app.name}] ${line}`
        output.push(text)
        if (output.length > 2_000) output.splice(0, 1_000)
        options.onLine?.(text)
      })
    }
    return child
  }

  const timeoutMs = options.readyTimeoutMs ?? 180_000
  try {
    await Promise.all(apps.map((a) => appReady(a, launch(a), timeoutMs)))
  } catch (err) {
    process.stderr.write(`${tail()}\n`)
    await stop()
    throw err
  }
  const gateway = apps.find((a) => a.name === 'gateway')!
  return { run, urls, apps, gatewayUrl: appUrl(gateway), tail, stop }
}
