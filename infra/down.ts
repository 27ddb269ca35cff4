/**
 * Stops the infrastructure processes `infra/up.ts` started — exactly those recorded in
 * `.data/run/*.pid`, nothing else (the machine's own Redis/RabbitMQ/PostgreSQL, when they were
 * already running, and anything started by other means are left alone).
 *
 * Run: `npm run infra:down`
 */
import { isMain } from './paths.js'
import { POSTGRES_NAME, type PostgresName, postgresRecorded, stopStartedPostgres } from './postgres.js'
import { type InfraName, recordedNames, stopRecorded } from './processes.js'

/**
 * A process `up()` may start: one of `processes.ts`'s kinds (FerretDB, RabbitMQ, Redis, MailDev,
 * stripe-mock, with `-<port>` for another port), or `postgresql`, the machine's PostgreSQL cluster.
 */
export type StartedName = InfraName | PostgresName

/** Options of {@link down}. */
export interface DownOptions {
  /** Stop only these (e.g. `up().started`); default: everything recorded in `.data/run/`. */
  only?: readonly StartedName[]
  /** Grace period after SIGTERM before SIGKILL, in milliseconds (default 10 000). */
  graceMs?: number
  /** Progress lines (default: stderr with an `[infra]` prefix). */
  log?: (line: string) => void
}

/**
 * Stops one recorded process (see {@link StartedName}) and removes its pid file.
 *
 * @param graceMs - grace period in milliseconds before SIGKILL (PostgreSQL: its fast shutdown may take three times this).
 * @returns true when it was running and has been stopped.
 */
export function stopStarted(name: StartedName, graceMs?: number): Promise<boolean> {
  return name === POSTGRES_NAME ? stopStartedPostgres(graceMs) : stopRecorded(name, graceMs)
}

/**
 * Stops recorded infrastructure processes and removes their pid files. PostgreSQL goes last,
 * after the FerretDB that uses it.
 *
 * @returns the names of the processes that were running and have been stopped.
 */
export async function down(options: DownOptions = {}): Promise<StartedName[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[infra] ${line}\n`))
  const pg: StartedName[] = (await postgresRecorded()) ? [POSTGRES_NAME] : []
  const names: StartedName[] = options.only ? [...options.only] : [...pg, ...(await recordedNames())]
  const stopped: StartedName[] = []
  // One at a time, in reverse start order: cheap, and the list is short.
  for (const name of names.reverse()) {
    if (await stopStarted(name, options.graceMs)) {
      stopped.push(name)
      log(`stopped ${name}`)
    }
  }
  return stopped
}

if (isMain(import.meta.url)) {
  const stopped = await down()
  if (stopped.length === 0) console.error('[infra] nothing recorded in .data/run/ was running')
}
