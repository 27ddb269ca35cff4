/** Redis for `up()` (infra/up.ts): a `REDIS_URL` checked, one answering reused, else redis-server started. */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs/promises'
import path from 'node:path'
import { InfraError } from '../errors.js'
import { DATA_DIR, LOG_DIR } from '../paths.js'
import { redisAnswers, waitUntil } from '../probes.js'
import { instanceName, logFile, pidFile, readPid } from '../processes.js'
import { findProgram } from '../programs.js'
import { type Ctx, START_TIMEOUT_MS, failedToStart, isWritableDir, portFrom, redact } from './context.js'

export async function ensureRedis(ctx: Ctx): Promise<string> {
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
