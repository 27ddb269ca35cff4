/**
 * The job service's configuration: one env schema, checked at boot (docs/conventions.md, Configuration). A missing or bad
 * variable stops the process with a message naming it.
 */
import { baseConfig, loadConfig, storageConfig } from '@kelmah/service-kit'
import Type, { type Static } from 'typebox'

/** Env schema of the job service. */
export const JobConfigSchema = Type.Object({
  ...baseConfig,
  ...storageConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: 3004 }),
  /**
   * How many candidate documents a ranked list (`sort=relevance`, recommendations) scores in
   * TypeScript per request. FerretDB has no text index or `$avg`, so ranking happens in the
   * service over a bounded set (newest first).
   */
  RANKING_CANDIDATE_CAP: Type.Integer({ minimum: 10, maximum: 5000, default: 500 }),
  /**
   * `on`: browse and search of listed jobs (`GET /api/jobs`, not `status=draft`) answer from the
   * Redis read model (`read-model/job-index.ts`), built at start when missing; `off`: every list
   * answers from the database (slow past a few thousand jobs: FerretDB sorts after fetching all
   * matches — the benchmark `npm run bench:jobs` compares both). Writes keep the model fresh only
   * while `on`: after running with `off`, rebuild (`npm run jobs:reindex -w @kelmah/job`).
   */
  JOB_READ_MODEL: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on' }),
  /**
   * Prefix of the job service's Redis keys; the read model lives under
   * `<prefix><database name>:rm<layout>:` (one Redis may serve several databases).
   */
  REDIS_KEY_PREFIX: Type.String({ default: 'kelmah:job:' }),
})

/** The typed configuration. */
export type JobConfig = Static<typeof JobConfigSchema>

/**
 * Load the configuration from `env`.
 *
 * @throws ConfigError naming every bad or missing variable
 */
export function loadJobConfig(env: Record<string, string | undefined> = process.env): JobConfig {
  return loadConfig(JobConfigSchema, env)
}
