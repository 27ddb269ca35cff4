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
