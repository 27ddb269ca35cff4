/**
 * `npm start`: the whole system on one machine. Brings the infrastructure up, makes the local JWT
 * key, starts every app of the table in `infra/services.ts` (auth first, then the rest), waits
 * until each is ready, prints the gateway URL, and on Ctrl-C / SIGTERM stops the apps and the
 * infrastructure this run started. If an app dies, everything is stopped and the exit code is 1.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import readline from 'node:readline'
import { down } from './down.js'
import { ensureJwtKey } from './keys.js'
import { isMain } from './paths.js'
import { type AppEntry, APPS, appDir, appEnv, appNodeArgs, appUrl } from './services.js'
import { InfraError, type UpResult, up } from './up.js'
import { httpAnswers, waitUntil } from './probes.js'

/** Options of {@link startAll}. */
export interface StartOptions {
  /** The apps to run (default: the table in `infra/services.ts`). */
  apps?: readonly AppEntry[]
  /** How long each app may take to become ready, in milliseconds (default 60 000). */
  readyTimeoutMs?: number
  /** How long apps get to exit after SIGTERM before SIGKILL, in milliseconds (default 10 000). */
  stopGraceMs?: number
}

const out = (line: string) => process.stdout.write(`${line}\n`)

/** Pipes a child's output to ours, one prefixed line at a time. */
function prefixLines(stream: NodeJS.ReadableStream, prefix: string, sink: NodeJS.WriteStream): void {
  readline
    .createInterface({ input: stream, crlfDelay: Infinity })
    .on('line', (line) => sink.write(`${prefix}${line}\n`))
}

/**
 * Whether `app` is ready: GET /health/ready answers 200, or — for an app without a readiness
 * route (404) — GET /health/live does.
 */
async function isReady(app: AppEntry): Promise<boolean> {
  try {
    const res = await fetch(`${appUrl(app)}/health/ready`, { signal: AbortSignal.timeout(2_000) })
    await res.arrayBuffer()
    if (res.status === 404) return httpOk(`${appUrl(app)}/health/live`)
    return res.ok
  } catch {
    return false
  }
}

async function httpOk(url: string): Promise<boolean> {
  if (!(await httpAnswers(url))) return false
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) })
  await res.arrayBuffer()
  return res.ok
}

/**
 * Runs the system until a signal or an app's death, then exits the process (0 after Ctrl-C /
 * SIGTERM, 1 when something failed). Never returns.
 */
export async function startAll(options: StartOptions = {}): Promise<never> {
  // A service still being written (no src/server.ts yet) is left out, and so is its
  // <NAME>_SERVICE_URL: the gateway then answers 404 on its prefixes instead of 503.
  const apps = (options.apps ?? APPS).filter((app) => {
    const runnable = existsSync(path.join(appDir(app), 'src', 'server.ts'))
    if (!runnable) out(`[start] skipping ${app.name}: ${app.dir}/src/server.ts does not exist yet`)
    return runnable
  })
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000
  const stopGraceMs = options.stopGraceMs ?? 10_000
  const width = Math.max(...apps.map((a) => a.name.length))
  const children = new Map<string, ChildProcess>()
  let infra: UpResult | undefined
  let stopping: Promise<never> | undefined

  const stopAll = (code: number): Promise<never> => {
    stopping ??= (async () => {
      const running = [...children.entries()].filter(([, c]) => c.exitCode === null && c.signalCode === null)
      if (running.length > 0) out(`[start] stopping ${running.map(([n]) => n).join(', ')}…`)
      await Promise.all(
        running.map(
          ([name, child]) =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(() => {
                out(`[start] ${name} did not exit within ${stopGraceMs} ms; killing it`)
                child.kill('SIGKILL')
              }, stopGraceMs)
              child.once('exit', () => {
                clearTimeout(timer)
                resolve()
              })
              child.kill('SIGTERM')
            }),
        ),
      )
      if (infra) await down({ only: infra.started })
      process.exit(code)
    })()
    return stopping
  }
  process.once('SIGINT', () => void stopAll(0))
  process.once('SIGTERM', () => void stopAll(0))

  try {
    infra = await up()
  } catch (err) {
    console.error(err instanceof InfraError ? `infra: ${err.message}` : err)
    process.exit(1)
  }
  const jwtKey = await ensureJwtKey()
  // tsx resolved here, so an app folder without its own node_modules/tsx still runs.
  const tsx = import.meta.resolve('tsx')

  const launch = (app: AppEntry): ChildProcess => {
    const prefix = `[${app.name.padEnd(width)}] `
    const child = spawn(process.execPath, appNodeArgs(tsx), {
      cwd: appDir(app),
      env: { ...process.env, ...appEnv(app, infra.urls, { jwtKey, apps }) },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: a terminal Ctrl-C reaches only this runner, which then sends each app
      // exactly one SIGTERM (a second signal makes close-with-grace skip the drain).
      detached: true,
    })
    children.set(app.name, child)
    prefixLines(child.stdout, prefix, process.stdout)
    prefixLines(child.stderr, prefix, process.stderr)
    child.on('exit', (code, signal) => {
      if (stopping) return
      out(`[start] ${app.name} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything`)
      void stopAll(1)
    })
    child.on('error', (err) => {
      out(`[start] cannot start ${app.name}: ${err.message}`)
      void stopAll(1)
    })
    return child
  }

  const startAndWait = async (app: AppEntry): Promise<void> => {
    const child = launch(app)
    const ready = await waitUntil(() => isReady(app), readyTimeoutMs, {
      intervalMs: 300,
      stillWorth: () => child.exitCode === null && child.signalCode === null,
    })
    if (!ready && !stopping) {
      out(
        `[start] ${app.name} was not ready on ${appUrl(app)}/health/ready within ${readyTimeoutMs} ms; stopping everything`,
      )
      await stopAll(1)
    }
  }

  // auth first: the gateway and the services fetch its JWKS when they start.
  const auth = apps.filter((a) => a.name === 'auth')
  const rest = apps.filter((a) => a.name !== 'auth')
  for (const app of auth) await startAndWait(app)
  await Promise.all(rest.map(startAndWait))
  if (stopping) return stopping

  const gateway = apps.find((a) => a.name === 'gateway')
  out('')
  out(`Kelmah is up: ${gateway ? appUrl(gateway) : apps.map(appUrl).join(', ')}`)
  if (infra.urls.MAILDEV_URL) out(`Mail (MailDev): ${infra.urls.MAILDEV_URL}`)
  if (gateway) {
    // appEnv raised the gateway's per-IP sign-in limit for this (LOCAL_AUTH_RATE_LIMIT).
    out('Sample data: `npm run seed` (200 users, 1000 jobs) · the story: `npm run demo`')
  }
  out('Press Ctrl-C to stop.')
  out('')
  return new Promise<never>(() => undefined)
}

if (isMain(import.meta.url)) await startAll()
