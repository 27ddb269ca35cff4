/**
 * The shared start of Kelmah's operator CLIs (`ledger:check`, `ratings:rebuild`,
 * `jobs:reindex`): the same flags (`--json`, `--dry-run` where it applies, `-h/--help`), the same
 * configuration loading and the same exit codes — 0 all well, 1 problems found (fixed unless a dry
 * run), 2 the command could not run (a bad flag or configuration, a database away).
 */
import mongoose, { type Connection } from 'mongoose'
import { parseArgs } from 'node:util'
import type { Static, TObject } from 'typebox'
import { ConfigError, loadConfig } from './config.js'

/** Where a CLI writes: lines to standard output and standard error. */
export interface CliOutput {
  log(line: string): void
  error(line: string): void
}

/** The flags every operator CLI takes. */
export interface CliFlags {
  json: boolean
  /** Always false for a CLI without `--dry-run`. */
  'dry-run': boolean
}

/** What {@link startCli} gives a CLI to run with, or the exit code to end with now. */
export type CliStart<S extends TObject> = { flags: CliFlags; config: Static<S> } | { exit: number }

/**
 * Parse `argv` (`--json`, `--dry-run` when `dryRun`, `-h/--help`) and load `schema` from `env`.
 * Prints the usage for `--help` (exit 0) and the reason for a bad flag or configuration (exit 2).
 *
 * @param usage - the text `--help` prints, and a bad flag after its reason
 */
export function startCli<S extends TObject>(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  out: CliOutput,
  opts: { usage: string; schema: S; dryRun: boolean },
): CliStart<S> {
  let values: { json?: boolean; 'dry-run'?: boolean; help?: boolean }
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        json: { type: 'boolean', default: false },
        ...(opts.dryRun ? { 'dry-run': { type: 'boolean' as const, default: false } } : {}),
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values as typeof values
  } catch (err) {
    out.error(`${(err as Error).message}\n${opts.usage}`)
    return { exit: 2 }
  }
  if (values.help) {
    out.log(opts.usage)
    return { exit: 0 }
  }
  try {
    const config = loadConfig(opts.schema, env)
    return { flags: { json: values.json ?? false, 'dry-run': values['dry-run'] ?? false }, config }
  } catch (err) {
    if (err instanceof ConfigError) {
      out.error(err.message)
      return { exit: 2 }
    }
    throw err
  }
}

/**
 * A CLI's connection to `url`: no index builds, no collections created, no buffering while
 * disconnected, and server selection given up after `timeoutMs` (default 5 000 ms), so a missing
 * database fails fast (exit 2) instead of hanging. Await `conn.asPromise()` before use.
 */
export function cliConnection(url: string, timeoutMs = 5_000): Connection {
  return mongoose.createConnection(url, {
    bufferCommands: false,
    autoIndex: false,
    autoCreate: false,
    serverSelectionTimeoutMS: timeoutMs,
  })
}
