/** RabbitMQ for `up()` (infra/up.ts): an `AMQP_URL` checked, one answering reused, else rabbitmq-server started. */
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { InfraError } from '../errors.js'
import { amqpAnswers, waitUntil } from '../probes.js'
import { writePid } from '../processes.js'
import { findProgram } from '../programs.js'
import { type Ctx, START_TIMEOUT_MS, redact } from './context.js'

export async function ensureRabbitmq(ctx: Ctx): Promise<string> {
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
