/**
 * `npm run ratings:rebuild -w @kelmah/review [-- --dry-run] [--json]`
 *
 * Proves the stored rating aggregates right, and repairs them: for every user with reviews or a
 * stored aggregate, recomputes the figures from the reviews themselves (revealed, not hidden;
 * services/ratings.ts#computed) and compares them with the user's latest stored version (count,
 * sum, per-star counts, per-aspect sums and counts). Each mismatch is printed; unless
 * `--dry-run`, it is fixed by inserting the next version with its `RatingUpdated` (the same
 * commit point as the service's own refresh, so it is safe while the service runs). The CLI has
 * no broker connection: the fixed versions' `RatingUpdated` wait in their outbox and a running
 * review instance's relay publishes them within its sweep interval (5 s).
 *
 * Reads `MONGO_URL` (default `mongodb://127.0.0.1:27017/kelmah_review`) and the Bayesian prior
 * (`REVIEW_PRIOR_MEAN`, `REVIEW_PRIOR_WEIGHT`, as the service).
 *
 * Exit codes: 0 every stored aggregate matched the reviews; 1 mismatches were found (and fixed,
 * unless `--dry-run`); 2 the check could not run (bad arguments or configuration, database
 * unreachable).
 */
import { AggregateStore, cliConnection, startCli, type CliOutput } from '@kelmah/service-kit'
import mongoose from 'mongoose'
import { pathToFileURL } from 'node:url'
import Type from 'typebox'
import { ReviewConfigSchema } from '../config.js'
import { emptyFigures, figureDifferences, plainAverage } from '../domain/ratings.js'
import { reviewModels } from '../models/index.js'
import { reviewStores, type ReviewDeps } from '../services/deps.js'
import { Ratings } from '../services/ratings.js'

const USAGE = 'usage: npm run ratings:rebuild -w @kelmah/review [-- --dry-run] [--json]'

/** What the CLI reads from the environment. */
export const RebuildConfigSchema = Type.Object({
  MONGO_URL: Type.String({
    pattern: '^mongodb(\\+srv)?://',
    default: 'mongodb://127.0.0.1:27017/kelmah_review',
    description: 'the review database',
  }),
  REVIEW_PRIOR_MEAN: ReviewConfigSchema.properties.REVIEW_PRIOR_MEAN,
  REVIEW_PRIOR_WEIGHT: ReviewConfigSchema.properties.REVIEW_PRIOR_WEIGHT,
})

/** One user whose stored aggregate differs from the reviews. */
export interface Mismatch {
  userId: string
  stored: { sequence: number; count: number; average: number }
  expected: { count: number; average: number }
  /** `path: stored x ≠ y` per differing figure. */
  differences: string[]
  /** The sequence of the version that fixed it (null on a dry run). */
  fixedAs: number | null
}

/** The report of one run. */
export interface RebuildReport {
  users: number
  mismatches: Mismatch[]
  dryRun: boolean
}

export type { CliOutput }

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
}

/** Check (and unless `dryRun` fix) every user's aggregate on `conn`. */
export async function rebuildRatings(
  conn: mongoose.Connection,
  config: { REVIEW_PRIOR_MEAN: number; REVIEW_PRIOR_WEIGHT: number },
  dryRun: boolean,
): Promise<RebuildReport> {
  const models = reviewModels(conn)
  const now = () => new Date()
  const deps: ReviewDeps = {
    models,
    // No relay: the events wait in the outbox for a running instance's sweep.
    stores: reviewStores(models, (model, o) => new AggregateStore(model, { ...o, now })),
    config: { REVIEW_WINDOW_DAYS: 14, ...config },
    now,
    logger: console,
  }
  const ratings = new Ratings(deps)
  const subjects = await models.Review.find({}, { subjectId: 1 }).lean()
  const rated = await models.Rating.find({}, { userId: 1 }).lean()
  const users = [...new Set([...subjects.map((r) => r.subjectId), ...rated.map((r) => r.userId)])].sort()
  const mismatches: Mismatch[] = []
  for (const userId of users) {
    const latest = await ratings.latest(userId)
    const stored = latest?.figures ?? emptyFigures()
    const expected = await ratings.computed(userId)
    const differences = figureDifferences(stored, expected)
    if (differences.length === 0) continue
    const fixed = dryRun
      ? null
      : await ratings.refresh(userId, 'rebuild', { producer: 'review', correlationId: 'ratings-rebuild' })
    mismatches.push({
      userId,
      stored: { sequence: latest?.sequence ?? 0, count: stored.count, average: latest?.average ?? 0 },
      expected: { count: expected.count, average: plainAverage(expected) },
      differences,
      fixedAs: fixed?.sequence ?? null,
    })
  }
  return { users: users.length, mismatches, dryRun }
}

/** The human summary of `report`. */
export function formatReport(report: RebuildReport): string[] {
  const lines = [
    report.mismatches.length === 0
      ? `ratings rebuild: OK — ${report.users} users, every stored aggregate matches the reviews`
      : `ratings rebuild: ${report.mismatches.length} MISMATCH(ES) over ${report.users} users${report.dryRun ? ' (dry run: nothing fixed)' : ''}`,
  ]
  for (const m of report.mismatches) {
    lines.push(
      `  ${m.userId}: stored #${m.stored.sequence} count ${m.stored.count} avg ${m.stored.average}; from the reviews count ${m.expected.count} avg ${m.expected.average}` +
        (m.fixedAs === null ? '' : ` → fixed as #${m.fixedAs}`),
    )
    for (const d of m.differences) lines.push(`    ${d}`)
  }
  if (!report.dryRun && report.mismatches.length > 0)
    lines.push('the fixes’ RatingUpdated events are published by a running review service within seconds')
  return lines
}

/**
 * Run the rebuild.
 *
 * @returns the exit code: 0 all matched, 1 mismatches (fixed unless --dry-run), 2 could not run
 */
export async function main(
  argv: readonly string[] = process.argv.slice(2),
  env: Record<string, string | undefined> = process.env,
  out: CliOutput = console,
): Promise<number> {
  const start = startCli(argv, env, out, { usage: USAGE, schema: RebuildConfigSchema, dryRun: true })
  if ('exit' in start) return start.exit
  const { flags: values, config } = start
  const conn = cliConnection(config.MONGO_URL)
  let report: RebuildReport
  try {
    await conn.asPromise()
    report = await rebuildRatings(conn, config, values['dry-run'])
  } catch (err) {
    out.error(`ratings rebuild: could not run against ${redact(config.MONGO_URL)}: ${(err as Error).message}`)
    out.error('is the database up? (locally: npm run infra:up; set MONGO_URL to the review database)')
    return 2
  } finally {
    await conn.close().catch(() => undefined)
  }
  if (values.json) out.log(JSON.stringify(report, null, 2))
  else for (const line of formatReport(report)) out.log(line)
  return report.mismatches.length === 0 ? 0 : 1
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  process.exitCode = await main()
