/**
 * `npm run jobs:reindex -w @kelmah/job [-- --dry-run] [--json]`
 *
 * Proves the browse read model (Redis, `read-model/job-index.ts`) right, and repairs it: reads
 * every job from the database once and compares its entry (card, memberships) with what Redis
 * holds. Each differing job is listed; unless `--dry-run` its entry is rewritten (version-guarded,
 * so safe while the service runs) and the model is marked built. A service instance builds the
 * model by itself at start when it is missing; this CLI is for an operator who doubts it (after a
 * Redis restore, or after running the service with `JOB_READ_MODEL=off`).
 *
 * Reads `MONGO_URL` (default `mongodb://127.0.0.1:27017/kelmah_job`), `REDIS_URL` and
 * `REDIS_KEY_PREFIX` (as the service). Takes the builders' lock, so it never runs beside an
 * instance's start build (then it exits 2: run it again in a minute).
 *
 * Exit codes: 0 the model was built and every entry matched; 1 differences were found (fixed,
 * unless `--dry-run`) or the model was not marked built; 2 the check could not run (bad arguments
 * or configuration, database or Redis unreachable, another build holds the lock).
 */
import { cliConnection, startCli, type CliOutput } from '@kelmah/service-kit'
import { Redis } from 'ioredis'
import { pathToFileURL } from 'node:url'
import Type from 'typebox'
import { JobConfigSchema } from '../config.js'
import { jobModel } from '../models/job.js'
import { JobIndex, modelPrefix, type BuildReport } from '../read-model/job-index.js'

const USAGE = 'usage: npm run jobs:reindex -w @kelmah/job [-- --dry-run] [--json]'

/** What the CLI reads from the environment. */
export const ReindexConfigSchema = Type.Object({
  MONGO_URL: Type.String({
    pattern: '^mongodb(\\+srv)?://',
    default: 'mongodb://127.0.0.1:27017/kelmah_job',
    description: 'the job database',
  }),
  REDIS_URL: JobConfigSchema.properties.REDIS_URL,
  REDIS_KEY_PREFIX: JobConfigSchema.properties.REDIS_KEY_PREFIX,
})

export type { CliOutput }

const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')

/** The human summary of `report`. */
export function formatReport(report: BuildReport): string[] {
  const ok = report.differing.length === 0 && report.wasBuilt
  const lines = [
    ok
      ? `jobs reindex: OK — ${report.jobs} jobs (${report.listed} listed), every entry matches the database`
      : `jobs reindex: ${report.differing.length} DIFFERING entr(ies) over ${report.jobs} jobs` +
        (report.wasBuilt ? '' : '; the model was not marked built') +
        (report.dryRun ? ' (dry run: nothing fixed)' : ' — fixed'),
  ]
  for (const id of report.differing.slice(0, 50)) lines.push(`  ${id}`)
  if (report.differing.length > 50) lines.push(`  … and ${report.differing.length - 50} more`)
  return lines
}

/**
 * Run the reindex.
 *
 * @returns the exit code: 0 all matched, 1 differences (fixed unless --dry-run), 2 could not run
 */
export async function main(
  argv: readonly string[] = process.argv.slice(2),
  env: Record<string, string | undefined> = process.env,
  out: CliOutput = console,
): Promise<number> {
  const start = startCli(argv, env, out, { usage: USAGE, schema: ReindexConfigSchema, dryRun: true })
  if ('exit' in start) return start.exit
  const { flags: values, config } = start
  const conn = cliConnection(config.MONGO_URL)
  const redis = new Redis(config.REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
  })
  redis.on('error', () => undefined)
  let report: BuildReport
  try {
    await Promise.all([conn.asPromise(), redis.connect()])
    const index = new JobIndex({
      redis,
      prefix: modelPrefix(config.REDIS_KEY_PREFIX, conn.name),
      Job: jobModel(conn),
      log: { info: () => undefined, warn: (m) => out.error(String(m)), error: (m) => out.error(String(m)) },
    })
    const dryRun = values['dry-run']
    const built = dryRun ? await index.build({ dryRun }) : await index.withLock(() => index.build())
    if (!built) {
      out.error(
        'jobs reindex: another build holds the lock (a service instance starting?); try again in a minute',
      )
      return 2
    }
    report = built
  } catch (err) {
    out.error(
      `jobs reindex: could not run against ${redact(config.MONGO_URL)} and ${redact(config.REDIS_URL)}: ${(err as Error).message}`,
    )
    out.error('are the database and Redis up? (locally: npm run infra:up; set MONGO_URL to the job database)')
    return 2
  } finally {
    await conn.close().catch(() => undefined)
    redis.disconnect()
  }
  if (values.json) out.log(JSON.stringify(report, null, 2))
  else for (const line of formatReport(report)) out.log(line)
  return report.differing.length === 0 && report.wasBuilt ? 0 : 1
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  process.exitCode = await main()
