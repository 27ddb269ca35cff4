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

/** `rabbitmqctl <args>`'s stdout, or undefined when it is missing or fails. */
async function ctlOut(args: string[]): Promise<string | undefined> {
  const bin = await findProgram('rabbitmqctl')
  if (!bin) return undefined
  try {
    return (await run(bin, args, { timeout: CTL_TIMEOUT_MS, encoding: 'utf8' })).stdout
  } catch {
    return undefined
  }
}

const ctl = async (args: string[]): Promise<boolean> => (await ctlOut(args)) !== undefined

/** The suffix of a vhost owned by process `pid` (see {@link deleteOrphanVhosts}). */
export const ownerSuffix = (pid: number = process.pid): string => `-pid${pid}`

/**
 * Delete the vhosts whose name ends in {@link ownerSuffix} of a process that no longer runs on
 * this machine: what a run killed before its teardown (tap's timeout sends SIGKILL half a second
 * after SIGALRM) left behind. Best effort; never throws.
 *
 * @returns the names deleted
 */
export async function deleteOrphanVhosts(): Promise<string[]> {
  const listed = await ctlOut(['-q', 'list_vhosts', 'name'])
  const orphans = (listed ?? '').split('\n').filter((name) => {
    const pid = Number(/-pid(\d+)$/.exec(name.trim())?.[1])
    if (!Number.isInteger(pid) || pid <= 0) return false
    try {
      process.kill(pid, 0)
      return false
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH'
    }
  })
  for (const name of orphans) await ctl(['-q', 'delete_vhost', name.trim()])
  return orphans.map((name) => name.trim())
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
