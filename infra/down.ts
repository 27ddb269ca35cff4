/**
 * Stops the infrastructure processes `infra/up.ts` started — exactly those recorded in
 * `.data/run/*.pid`, nothing else (the machine's own Redis/RabbitMQ and anything started by other
 * means are left alone).
 *
 * Run: `npm run infra:down`
 */
import { isMain } from './paths.js'
import { type InfraName, recordedNames, stopRecorded } from './processes.js'

/** Options of {@link down}. */
export interface DownOptions {
  /** Stop only these (e.g. `up().started`); default: everything recorded in `.data/run/`. */
  only?: readonly InfraName[]
  /** Grace period after SIGTERM before SIGKILL, in milliseconds (default 10 000). */
  graceMs?: number
  /** Progress lines (default: stderr with an `[infra]` prefix). */
  log?: (line: string) => void
}

/**
 * Stops recorded infrastructure processes and removes their pid files.
 *
 * @returns the names of the processes that were running and have been stopped.
 */
export async function down(options: DownOptions = {}): Promise<InfraName[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[infra] ${line}\n`))
  const names = options.only ?? (await recordedNames())
  const stopped: InfraName[] = []
  // One at a time, in reverse start order: cheap, and the list is short.
  for (const name of [...names].reverse()) {
    if (await stopRecorded(name, options.graceMs)) {
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
