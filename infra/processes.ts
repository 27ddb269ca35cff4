/**
 * Background processes started by `infra/up.ts`: spawned detached (their own process group, so a
 * Ctrl-C in the terminal does not reach them), logging to `.data/logs/<name>.log`, remembered in
 * `.data/run/<name>.pid` (just the pid) so `infra/down.ts` stops exactly those and nothing else.
 */
import { spawn, spawnSync } from 'node:child_process'
import { openSync, closeSync, readFileSync } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import { LOG_DIR, RUN_DIR } from './paths.js'

/** The kinds of process `up()` may start. */
export type InfraKind = 'ferretdb' | 'rabbitmq' | 'redis' | 'maildev' | 'stripe-mock'

/**
 * Name of one started process and of its pid/log files: the kind, plus `-<port>` when it listens
 * on a non-default port (so a second FerretDB on another port has its own pid file).
 */
export type InfraName = InfraKind | `${InfraKind}-${number}`

/** The kind of a process name (`ferretdb-27018` → `ferretdb`). */
export function kindOf(name: string): InfraKind | undefined {
  const kind = name.replace(/-\d+$/, '')
  return kind in CMDLINE_MARKER ? (kind as InfraKind) : undefined
}

/** The process name for `kind` listening on `port` (`defaultPort` gives the plain kind). */
export function instanceName(kind: InfraKind, port: number, defaultPort: number): InfraName {
  return port === defaultPort ? kind : `${kind}-${port}`
}

/**
 * A word that must appear in `/proc/<pid>/cmdline` of a process we started, so that a stale pid
 * file whose pid the kernel has since handed to another program never gets that program killed.
 */
const CMDLINE_MARKER: Record<InfraKind, string> = {
  ferretdb: 'ferretdb',
  rabbitmq: 'beam',
  redis: 'redis-server',
  maildev: 'maildev',
  'stripe-mock': 'stripe-mock',
}

/** Path of the pid file of `name`. */
export function pidFile(name: InfraName): string {
  return path.join(RUN_DIR, `${name}.pid`)
}

/** Path of the log file of `name`. */
export function logFile(name: InfraName): string {
  return path.join(LOG_DIR, `${name}.log`)
}

/** The last `lines` lines of a log file (empty string when there is none). */
export async function logTail(file: string, lines = 20): Promise<string> {
  try {
    const text = await fs.readFile(file, 'utf8')
    return text.trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}

/** Whether process `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    // EPERM: it exists but belongs to another user (e.g. RabbitMQ runs as `rabbitmq`).
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
  try {
    // Field 3 of /proc/<pid>/stat is the state; Z = exited, not yet reaped.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return true // no /proc (macOS): trust kill(0)
  }
}

/** Whether `pid` still runs the program we started as `name` (true when /proc is not there to ask). */
function isOurs(name: InfraName, pid: number): boolean {
  try {
    const kind = kindOf(name)
    return kind !== undefined && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(CMDLINE_MARKER[kind])
  } catch {
    return isAlive(pid)
  }
}

/** Records that this machine's `name` process is one we started. */
export async function writePid(name: InfraName, pid: number): Promise<void> {
  await fs.mkdir(RUN_DIR, { recursive: true })
  await fs.writeFile(pidFile(name), `${pid}\n`)
}

/** The pid recorded for `name`, or undefined when there is no (valid) pid file. */
export async function readPid(name: InfraName): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await fs.readFile(pidFile(name), 'utf8'), 10)
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** Names that have a pid file in `.data/run/`. */
export async function recordedNames(): Promise<InfraName[]> {
  try {
    const files = await fs.readdir(RUN_DIR)
    return files
      .filter((f) => f.endsWith('.pid'))
      .map((f) => f.slice(0, -'.pid'.length))
      .filter((n): n is InfraName => kindOf(n) !== undefined)
  } catch {
    return []
  }
}

/**
 * Starts `command` detached with output appended to `.data/logs/<name>.log` and records its pid.
 *
 * @returns the pid of the started process.
 * @throws when the command cannot be spawned at all (e.g. ENOENT).
 */
export async function spawnDetached(
  name: InfraName,
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<number> {
  await fs.mkdir(LOG_DIR, { recursive: true })
  const fd = openSync(logFile(name), 'a')
  try {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    })
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject)
      child.once('spawn', () => resolve(child.pid as number))
    })
    child.unref()
    await writePid(name, pid)
    return pid
  } finally {
    closeSync(fd)
  }
}

/**
 * Stops the process recorded for `name`: SIGTERM, then SIGKILL after `graceMs` milliseconds.
 * A pid file whose process is gone or is now some other program is just removed.
 * RabbitMQ is stopped with `rabbitmqctl shutdown`, its own clean way.
 *
 * @returns true when a running process was stopped.
 */
export async function stopRecorded(name: InfraName, graceMs = 10_000): Promise<boolean> {
  const pid = await readPid(name)
  let stopped = false
  if (pid !== undefined && isAlive(pid) && isOurs(name, pid)) {
    if (kindOf(name) === 'rabbitmq') {
      spawnSync('rabbitmqctl', ['shutdown'], { stdio: 'ignore', timeout: graceMs * 3 })
    }
    if (isAlive(pid)) signal(pid, 'SIGTERM')
    const deadline = Date.now() + graceMs
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    if (isAlive(pid)) signal(pid, 'SIGKILL')
    stopped = true
  }
  await fs.rm(pidFile(name), { force: true })
  return stopped
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig)
  } catch {
    // already gone
  }
}
