import { constants as fsConstants } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'

/**
 * Finds an installed program on PATH or in the sbin/bin folders (Debian puts `rabbitmq-server`
 * in `/usr/sbin`; `pg_ctlcluster`, `pg_lsclusters` and `psql` in `/usr/bin`).
 *
 * @param program - the file name, e.g. `psql`.
 * @param env - whose `PATH` to search first (default `process.env`).
 * @returns the absolute path of the first executable found, or undefined when there is none.
 */
export async function findProgram(
  program: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const dirs = [
    ...(env.PATH ?? '').split(path.delimiter),
    '/usr/sbin',
    '/usr/local/sbin',
    '/usr/bin',
    '/usr/local/bin',
  ]
  for (const dir of dirs.filter(Boolean)) {
    const candidate = path.join(dir, program)
    try {
      await fs.access(candidate, fsConstants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}
