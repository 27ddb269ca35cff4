/** The Stripe API for `up()` (infra/up.ts): a `STRIPE_API_URL` checked, one answering reused, else stripe-mock started. */
import { InfraError } from '../errors.js'
import { httpAnswers, waitUntil } from '../probes.js'
import { instanceName, isAlive, spawnDetached } from '../processes.js'
import { ensureTools } from '../tools.js'
import { type Ctx, START_TIMEOUT_MS, failedToStart, portFrom } from './context.js'

export async function ensureStripeMock(ctx: Ctx): Promise<string> {
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
