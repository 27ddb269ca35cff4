/**
 * `node --import tsx infra/with-infra.ts -- <command> [args…]`: brings the local infrastructure
 * up, runs the command with its URLs in the environment (MONGO_URL, AMQP_URL, REDIS_URL, SMTP_URL,
 * MAILDEV_URL, STRIPE_API_URL), then stops only what this invocation started — things that were
 * already running stay running — and exits with the command's exit code. `npm test` uses it.
 *
 * FerretDB runs on PostgreSQL unless `FERRETDB_BACKEND=sqlite`; `MONGO_URL` names a MongoDB you
 * run instead (only checked). See infra/README.md.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { down } from './down.js'
import { REPO_ROOT } from './paths.js'
import { InfraError, up } from './up.js'

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 }

const dashes = process.argv.indexOf('--')
const [command, ...args] = dashes === -1 ? process.argv.slice(2) : process.argv.slice(dashes + 1)
if (!command) {
  console.error('usage: node --import tsx infra/with-infra.ts -- <command> [args…]')
  process.exit(2)
}

let result
try {
  // Test data is throwaway: a FerretDB started for this run uses its own database
  // (`ferretdb_test`, emptied, synchronous_commit off) or, on SQLite, files in memory.
  result = await up({ ephemeral: true })
} catch (err) {
  console.error(err instanceof InfraError ? `infra: ${err.message}` : err)
  process.exit(1)
}

const env = {
  ...process.env,
  ...result.urls,
  // So `turbo`, `tap`, … resolve when this runs outside `npm run` too.
  PATH: [path.join(REPO_ROOT, 'node_modules', '.bin'), process.env.PATH].filter(Boolean).join(path.delimiter),
}
const child = spawn(command, args, { stdio: 'inherit', env })

// Ctrl-C reaches the child directly (same process group); a SIGTERM sent to us alone (CI timeout)
// is passed on. Either way we wait for the child, then clean up.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    if (sig !== 'SIGINT') child.kill(sig)
  })
}

const code = await new Promise<number>((resolve) => {
  child.on('error', (err) => {
    console.error(`with-infra: cannot run ${command}: ${err.message}`)
    resolve(127)
  })
  child.on('exit', (exitCode, signal) => resolve(exitCode ?? 128 + ((signal && SIGNAL_NUMBERS[signal]) || 1)))
})

await down({ only: result.started })
process.exit(code)
