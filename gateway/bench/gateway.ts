/**
 * Gateway benchmark (a script, not a test): one hello upstream called directly, through the gateway
 * "bare" (proxy only) and through the gateway "full edge" (JWT verification with fast-jwt's cache,
 * Redis rate limit that never triggers, request ids, CORS, helmet). Same load for each; prints a
 * table and writes bench/RESULTS.md.
 *
 * Each server runs in its own process (this file, re-run with a role), so the load generator does
 * not share an event loop with what it measures. The machine is small and shared: compare the
 * ratios, not the absolute figures.
 *
 * Usage: `npm run bench:gateway` (root) or `npm run bench -w @kelmah/gateway`.
 * Env: BENCH_CONNECTIONS (50), BENCH_DURATION_S (10), BENCH_WARMUP_S (2), REDIS_URL, and
 * BENCH_CPU_PROF_DIR (write a `--cpu-prof` profile of each server under that folder, one subfolder per role).
 * Besides req/s and latency, each row reports the CPU time per request of every process (Linux /proc).
 */
import autocannon from 'autocannon'
import { fork, type ChildProcess } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import Fastify from 'fastify'
import { tokenKit } from '@kelmah/testing'
import { buildApp } from '../src/app.js'
import { loadGatewayConfig } from '../src/config.js'

const PATH = '/api/jobs/hello'
const role = process.argv[2]

if (role === 'upstream') {
  const app = Fastify({ logger: false })
  app.get(PATH, async () => ({ hello: 'world' }))
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)))
  process.send?.({ url })
} else if (role === 'bare' || role === 'full') {
  const config = loadGatewayConfig({
    ...process.env,
    PORT: '0',
    AUTH_SERVICE_URL: '',
    JOB_SERVICE_URL: process.env.BENCH_UPSTREAM,
    GATEWAY_MODE: role,
    RATE_LIMIT_MAX: String(1e9),
    RATE_LIMIT_NAMESPACE: process.env.BENCH_NAMESPACE,
    CORS_ORIGINS: 'https://app.kelmah.test',
  })
  // The configuration a production deploy gets (LOG_LEVEL info, LOG_REQUESTS off), not a quieter one.
  const app = await buildApp({ config, jwks: JSON.parse(process.env.BENCH_JWKS ?? '{"keys":[]}') })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  // A clean exit on SIGTERM, so `--cpu-prof` (BENCH_CPU_PROF_DIR) can write its profile.
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)))
  process.send?.({ url })
} else {
  await main()
}

function start(
  which: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(fileURLToPath(import.meta.url), [which], {
    execArgv: [
      '--conditions=development',
      '--import',
      'tsx',
      ...(process.env.BENCH_CPU_PROF_DIR
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}/${which}`]
        : []),
    ],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, url: (m as { url: string }).url }))
    child.once('exit', (code) => reject(new Error(`${which} exited with ${code} before listening`)))
  })
}

interface Row {
  name: string
  rps: number
  p50: number
  p99: number
  bad: number
  /** CPU microseconds per request spent by each process during the measured run. */
  cpu: { loadgen: number; upstream: number; gateway?: number; redis?: number }
}

/** CPU time (user + system) of a process so far, microseconds; Linux `/proc` only. */
async function cpuMicros(pid: number): Promise<number> {
  if (pid === process.pid) {
    const u = process.cpuUsage()
    return u.user + u.system
  }
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime and stime are fields 14 and 15 (1-based) of stat, in clock ticks (USER_HZ = 100).
    return (Number(fields[11]) + Number(fields[12])) * 10_000
  } catch {
    return Number.NaN
  }
}

/** redis-server's CPU time so far, microseconds (it is shared: an approximation). */
async function redisCpuMicros(redis: Redis): Promise<number> {
  const info = await redis.info('cpu')
  const read = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? Number.NaN)
  return (read('used_cpu_user') + read('used_cpu_sys')) * 1e6
}

async function main(): Promise<void> {
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)
  const duration = Number(process.env.BENCH_DURATION_S ?? 10)
  const warmup = Number(process.env.BENCH_WARMUP_S ?? 2)
  const kit = tokenKit()
  const namespace = `kelmah:bench:${process.pid}:`
  const children: ChildProcess[] = []
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
  try {
    const upstream = await start('upstream')
    children.push(upstream.child)
    const env = {
      BENCH_UPSTREAM: upstream.url,
      BENCH_JWKS: JSON.stringify(kit.jwks),
      BENCH_NAMESPACE: namespace,
    }
    const bare = await start('bare', env)
    const full = await start('full', env)
    children.push(bare.child, full.child)

    // Same headers everywhere, so header parsing costs the same; only the full edge acts on them.
    const headers = {
      authorization: `Bearer ${kit.sign({ sub: 'bench-user' }, { expiresInMs: 3_600_000 })}`,
      origin: 'https://app.kelmah.test',
    }
    const rows: Row[] = []
    for (const [name, base, gatewayPid] of [
      ['direct', upstream.url, 0],
      ['gateway bare', bare.url, bare.child.pid!],
      ['gateway full edge', full.url, full.child.pid!],
    ] as const) {
      const url = `${base}${PATH}`
      await autocannon({ url, connections, duration: warmup, headers })
      const pids = { loadgen: process.pid, upstream: upstream.child.pid!, gateway: gatewayPid }
      const before = await Promise.all([...Object.values(pids).map(cpuMicros), redisCpuMicros(redis)])
      const r = await autocannon({ url, connections, duration, headers })
      const after = await Promise.all([...Object.values(pids).map(cpuMicros), redisCpuMicros(redis)])
      const per = (i: number) => Math.round((after[i]! - before[i]!) / r.requests.total)
      const cpu: Row['cpu'] = { loadgen: per(0), upstream: per(1) }
      if (gatewayPid) cpu.gateway = per(2)
      if (name === 'gateway full edge') cpu.redis = per(3)
      rows.push({
        name,
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        bad: r.non2xx + r.errors + r.timeouts,
        cpu,
      })
      console.log(`${name}: ${Math.round(r.requests.average)} req/s, CPU µs/request ${JSON.stringify(cpu)}`)
    }

    const [direct, bareRow, fullRow] = rows as [Row, Row, Row]
    const bareRatio = bareRow.rps / direct.rps
    const fullRatio = fullRow.rps / bareRow.rps
    const table = [
      '| target | req/s | p50 ms | p99 ms | non-2xx/errors | CPU µs/request: autocannon / upstream / gateway / redis |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map(
        (r) =>
          `| ${r.name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.bad} | ` +
          `${r.cpu.loadgen} / ${r.cpu.upstream} / ${r.cpu.gateway ?? '–'} / ${r.cpu.redis ?? '–'} |`,
      ),
      '',
      `- bare / direct = **${bareRatio.toFixed(2)}** (target ≥ 0.60: ${bareRatio >= 0.6 ? 'met' : 'missed'})`,
      `- full / bare = **${fullRatio.toFixed(2)}** (target ≥ 0.85: ${fullRatio >= 0.85 ? 'met' : 'missed'})`,
    ].join('\n')
    console.log(`\n${table}\n`)
    await writeFile(
      new URL('./RESULTS.md', import.meta.url),
      [
        '# Gateway benchmark results',
        '',
        `Run ${new Date().toISOString()} on ${process.platform}/${process.arch}, Node ${process.version}, ` +
          `${(await import('node:os')).cpus().length} CPUs (shared: compare ratios, not absolutes). ` +
          `autocannon, ${connections} connections, ${duration} s after a ${warmup} s warm-up, GET ${PATH} ` +
          '(a Fastify hello route). Upstream, both gateways and autocannon each in their own process.',
        '',
        table,
        '',
        'Full edge = ES256 JWT verified (fast-jwt cache on) + Redis rate limit (one EVALSHA per request, ' +
          'auto-pipelined) + request id + CORS + helmet. Bare = proxy only. Both gateways run with the ' +
          'production defaults (LOG_LEVEL info, LOG_REQUESTS off). CPU µs/request = user+system CPU time ' +
          'of each process during the measured run divided by the requests served (redis-server is shared: approximate).',
        '',
      ].join('\n'),
    )
  } finally {
    for (const c of children) c.kill('SIGTERM')
    const keys = await redis.keys(`${namespace}*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
  }
}
