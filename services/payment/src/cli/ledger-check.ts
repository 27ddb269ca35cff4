/**
 * `npm run ledger:check` (root) or `npm run ledger:check -w @kelmah/payment [-- --json]`
 *
 * Checks every invariant of the payment ledger (domain/invariants.ts) over the whole database —
 * postings sum to zero per transfer and per currency, no limited account below zero, every escrow
 * settled at most once and holding all of its amount or nothing, unique debit slots — and prints
 * a summary, or the report as JSON with `--json`. Reads `MONGO_URL` (default
 * `mongodb://127.0.0.1:27017/kelmah_payment`). Read-only: it builds no index and creates no
 * collection.
 *
 * Exit codes: 0 every invariant holds, 1 violations (each one printed), 2 the check could not run
 * (bad arguments or configuration, database unreachable).
 */
import { cliConnection, startCli, type CliOutput } from '@kelmah/service-kit'
import { pathToFileURL } from 'node:url'
import Type from 'typebox'
import type { LedgerReport } from '../domain/invariants.js'
import { paymentModels } from '../models/index.js'
import { checkLedgerStore } from '../services/ledger-check.js'

const USAGE = 'usage: npm run ledger:check -w @kelmah/payment [-- --json]'

/** What the CLI reads from the environment. */
export const LedgerCheckConfigSchema = Type.Object({
  MONGO_URL: Type.String({
    pattern: '^mongodb(\\+srv)?://',
    default: 'mongodb://127.0.0.1:27017/kelmah_payment',
    description: 'the payment database',
  }),
})

export type { CliOutput }

/** A connection string without its password, fit for an error message. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
}

/** The human summary of `report`, one line per fact. */
export function formatReport(report: LedgerReport): string[] {
  const lines = [
    report.ok
      ? `ledger check: OK — ${report.transfers} transfers over ${report.accounts} accounts`
      : `ledger check: ${report.violations.length} VIOLATION(S) — ${report.transfers} transfers over ${report.accounts} accounts`,
  ]
  const totals = Object.entries(report.totals)
  lines.push(
    `totals (sum of postings per currency, minor units; 0 = balanced): ${
      totals.length ? totals.map(([c, n]) => `${c} ${n}`).join(', ') : 'none'
    }`,
  )
  const pending = Object.entries(report.pending)
  const refunds = pending.filter(([a]) => a.startsWith('refund:'))
  const payouts = pending.filter(([a]) => a.startsWith('payout:'))
  const list = (items: [string, number][]) =>
    items.length ? items.map(([a, n]) => `${a} ${n}`).join(', ') : 'none'
  lines.push(`pending refunds (reserved, not yet refunded by Stripe): ${list(refunds)}`)
  lines.push(`pending payouts (reserved, not yet transferred by Stripe): ${list(payouts)}`)
  if (report.violations.length === 0) lines.push('violations: none')
  else {
    lines.push('violations:')
    for (const v of report.violations) lines.push(`  [${v.rule}] ${v.detail}`)
  }
  return lines
}

/**
 * Run the check.
 *
 * @param argv - the arguments after the script (`--json`, `--help`)
 * @param env - the environment (`MONGO_URL`)
 * @param out - where to print
 * @returns the exit code: 0 ok, 1 violations, 2 the check could not run
 */
export async function main(
  argv: readonly string[] = process.argv.slice(2),
  env: Record<string, string | undefined> = process.env,
  out: CliOutput = console,
): Promise<number> {
  const start = startCli(argv, env, out, { usage: USAGE, schema: LedgerCheckConfigSchema, dryRun: false })
  if ('exit' in start) return start.exit
  const json = start.flags.json
  const url = start.config.MONGO_URL
  const conn = cliConnection(url)
  let report: LedgerReport
  try {
    await conn.asPromise()
    report = await checkLedgerStore(paymentModels(conn))
  } catch (err) {
    out.error(`ledger check: could not read the ledger at ${redact(url)}: ${(err as Error).message}`)
    out.error('is the database up? (locally: npm run infra:up; set MONGO_URL to the payment database)')
    return 2
  } finally {
    await conn.close().catch(() => undefined)
  }
  if (json) out.log(JSON.stringify(report, null, 2))
  else for (const line of formatReport(report)) out.log(line)
  return report.ok ? 0 : 1
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  process.exitCode = await main()
