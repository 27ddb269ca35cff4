/**
 * The local load balancer of the rolling-restart drill: HAProxy from Debian's packages (installed
 * with `apt-get install -y haproxy` when missing), one frontend per restarted app, health checks
 * on each instance's `/health/ready` (the readiness probe of the manifests), and its runtime API
 * on a unix socket to take an instance out of rotation and back (what the endpoints controller
 * does for a Service when a pod terminates or turns ready).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import { findProgram } from '../programs.js'

/** One load-balanced app: a frontend port and the instances behind it. */
export interface Pool {
  /** Backend name, e.g. `gateway`. */
  name: string
  /** Port of the frontend on 127.0.0.1. */
  port: number
  /** Instances: server name → port on 127.0.0.1. */
  servers: Array<{ name: string; port: number }>
  /** Readiness probe: period (s), failures before the instance is out, timeout (s) (the manifest's readinessProbe). */
  check: { periodS: number; failureThreshold: number; timeoutS: number }
}

/**
 * The `haproxy` program, installed from Debian's packages when missing (needs root and apt).
 *
 * @throws Error saying what to install when it is missing and cannot be installed here
 */
export async function ensureHaproxy(log: (line: string) => void): Promise<string> {
  const found = await findProgram('haproxy')
  if (found) return found
  if (process.getuid?.() !== 0 || !(await findProgram('apt-get')))
    throw new Error('HAProxy is not installed: run `sudo apt-get install -y haproxy` and try again')
  log('HAProxy is missing: apt-get install -y haproxy …')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'haproxy'], { env, stdio: 'inherit' })
  if (install().status !== 0) {
    // An old or missing package list: refresh it once and try again.
    spawnSync('apt-get', ['update'], { env, stdio: 'inherit' })
    install()
  }
  const installed = await findProgram('haproxy')
  if (!installed) throw new Error('apt-get install -y haproxy failed; see the output above')
  return installed
}

/**
 * The configuration: plain keep-alive HTTP on both sides, round robin, no retries and no
 * redispatch (a request sent to an instance that fails counts as failed, so the drill hides
 * nothing), health checks `GET /health/ready` expecting 200 within `timeoutS` every `periodS`,
 * out after `failureThreshold` failures, in after one success.
 */
export function haproxyConfig(pools: readonly Pool[], socket: string): string {
  const lines = [
    'global',
    `  stats socket ${socket} mode 600 level admin`,
    '  maxconn 4096',
    '  log stderr format raw local0 notice',
    'defaults',
    '  mode http',
    '  log global',
    '  option log-health-checks',
    '  option http-keep-alive',
    '  retries 0',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout http-keep-alive 30s',
  ]
  for (const pool of pools) {
    lines.push(
      `frontend ${pool.name}`,
      `  bind 127.0.0.1:${pool.port}`,
      `  default_backend ${pool.name}`,
      `backend ${pool.name}`,
      '  balance roundrobin',
      '  option httpchk GET /health/ready',
      '  http-check expect status 200',
      // The probe's timeoutSeconds (else HAProxy would wait up to the period).
      `  timeout check ${pool.check.timeoutS}s`,
      `  default-server inter ${pool.check.periodS}s fall ${pool.check.failureThreshold} rise 1`,
      ...pool.servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port} check`),
    )
  }
  return `${lines.join('\n')}\n`
}

/** A running HAProxy of the drill. */
export class Haproxy {
  readonly #child: ChildProcess
  readonly socket: string
  /** Health-check state changes HAProxy logged (`Server job/job1 is DOWN, reason: …`), with the time. */
  readonly healthChanges: string[] = []

  private constructor(child: ChildProcess, socket: string) {
    this.#child = child
    this.socket = socket
  }

  /**
   * Start HAProxy in the foreground (`-db`) with {@link haproxyConfig} written into `dir`.
   *
   * @throws Error when the configuration is refused or the runtime socket does not appear
   */
  static async start(bin: string, dir: string, pools: readonly Pool[]): Promise<Haproxy> {
    const socket = path.join(dir, 'haproxy.sock')
    const config = path.join(dir, 'haproxy.cfg')
    await fs.writeFile(config, haproxyConfig(pools, socket))
    const check = spawnSync(bin, ['-c', '-q', '-f', config], { encoding: 'utf8' })
    if (check.status !== 0) throw new Error(`HAProxy refused ${config}: ${check.stderr || check.stdout}`)
    const child = spawn(bin, ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    const proxy = new Haproxy(child, socket)
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4_000)
      for (const line of d.toString().split('\n'))
        if (/Server \S+ is (UP|DOWN)/.test(line) && !line.includes('[WARNING]'))
          proxy.healthChanges.push(`${new Date().toISOString().slice(11, 19)} ${line.trim()}`)
    })
    for (let i = 0; i < 50; i++) {
      if (child.exitCode !== null) throw new Error(`HAProxy exited: ${stderr}`)
      try {
        await proxy.command('show info')
        return proxy
      } catch {
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    proxy.stop()
    throw new Error(`HAProxy's runtime socket ${socket} did not answer: ${stderr}`)
  }

  /** Send one runtime API command and return its answer. */
  command(cmd: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const conn = net.connect(this.socket)
      let out = ''
      conn.on('connect', () => conn.end(`${cmd}\n`))
      conn.on('data', (d: Buffer) => (out += d.toString()))
      conn.on('end', () => resolve(out))
      conn.on('error', reject)
    })
  }

  /**
   * Set a server's administrative state: `drain` takes it out of rotation (requests in flight on
   * it go on), `ready` lets it back in once its health check passes.
   */
  async setState(pool: string, server: string, state: 'drain' | 'ready'): Promise<void> {
    const out = await this.command(`set server ${pool}/${server} state ${state}`)
    if (out.trim() !== '')
      throw new Error(`HAProxy: set server ${pool}/${server} state ${state}: ${out.trim()}`)
  }

  /** A server's status as HAProxy's stats show it: `UP`, `DOWN`, `DRAIN`, `MAINT`, `UP 1/2` … */
  async status(pool: string, server: string): Promise<string> {
    const csv = (await this.command('show stat')).split('\n')
    const header = (csv[0] ?? '').replace(/^# /, '').split(',')
    const at = header.indexOf('status')
    for (const line of csv.slice(1)) {
      const cols = line.split(',')
      if (cols[0] === pool && cols[1] === server) return cols[at] ?? ''
    }
    return ''
  }

  /** Stop HAProxy (SIGTERM). */
  stop(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM')
  }
}
