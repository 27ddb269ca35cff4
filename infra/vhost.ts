/**
 * A RabbitMQ virtual host of its own for one run of a whole stack (a test's apps, a drill), so
 * that several stacks on one broker never share the `kelmah.events` exchange or the consumer
 * queues the bus names `<service>.<purpose>` — which it would on the default vhost `/`, where
 * each stack's consumers would take some of the others' events.
 *
 * Made and removed with `rabbitmqctl` (`add_vhost`, `set_permissions`, `delete_vhost`), so only
 * for a broker on this machine (`127.0.0.1`/`localhost`) that this user may administer; deleting
 * a vhost deletes its exchanges and queues too.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { findProgram } from './programs.js'

const run = promisify(execFile)

/** What `rabbitmqctl` may take per call, ms: an Erlang VM start, ≈ 0.5 s on a quiet machine. */
const CTL_TIMEOUT_MS = 30_000

/** A vhost made by {@link createVhost}. */
export interface Vhost {
  /** Its name, e.g. `kelmah-susp_1a2b3c4d`. */
  name: string
  /** The broker URL with the vhost as its path (`amqp://guest:guest@127.0.0.1:5672/kelmah-…`). */
  url: string
  /** Delete it (and its exchanges and queues); never throws, idempotent. */
  delete(): Promise<void>
}

async function ctl(args: string[]): Promise<boolean> {
  const bin = await findProgram('rabbitmqctl')
  if (!bin) return false
  try {
    await run(bin, args, { timeout: CTL_TIMEOUT_MS })
    return true
  } catch {
    return false
  }
}

/**
 * Make the vhost `name` on the broker of `amqpUrl` and give the URL's user (default `guest`) all
 * permissions on it.
 *
 * @param amqpUrl - the broker, e.g. `AMQP_URL` as `infra/with-infra.ts` sets it; its path is ignored
 * @param name - the vhost's name (any characters; it is percent-encoded in the URL)
 * @returns the vhost, or undefined when the broker is not on this machine or `rabbitmqctl` is
 *   missing or fails (not allowed, node down) — the caller then shares `/` and should say so
 */
export async function createVhost(amqpUrl: string, name: string): Promise<Vhost | undefined> {
  const url = new URL(amqpUrl)
  if (!['127.0.0.1', 'localhost'].includes(url.hostname)) return undefined
  const user = decodeURIComponent(url.username || 'guest')
  if (!(await ctl(['-q', 'add_vhost', name]))) return undefined
  if (!(await ctl(['-q', 'set_permissions', '-p', name, user, '.*', '.*', '.*']))) {
    await ctl(['-q', 'delete_vhost', name])
    return undefined
  }
  url.pathname = `/${encodeURIComponent(name)}`
  let deleted: Promise<void> | undefined
  return {
    name,
    url: url.toString(),
    delete: () => (deleted ??= ctl(['-q', 'delete_vhost', name]).then(() => undefined)),
  }
}
