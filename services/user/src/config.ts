/**
 * The user service's configuration: one env schema, checked at boot (docs/conventions.md,
 * Configuration). A missing or bad variable stops the process with a message naming it.
 */
import { baseConfig, loadConfig, storageConfig } from '@kelmah/service-kit'
import Type, { type Static } from 'typebox'

/** Env schema of the user service. */
export const UserConfigSchema = Type.Object({
  ...baseConfig,
  ...storageConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: 3002 }),
  /**
   * Most workers a search ranks in memory (after the database filter). Matches beyond it are not
   * considered; see README "Search".
   */
  SEARCH_CANDIDATE_CAP: Type.Integer({ minimum: 10, maximum: 20_000, default: 2000 }),
})

/** The typed configuration. */
export type UserConfig = Static<typeof UserConfigSchema>

/**
 * Load the configuration from `env`.
 *
 * @throws ConfigError naming every bad or missing variable
 */
export function loadUserConfig(env: Record<string, string | undefined> = process.env): UserConfig {
  return loadConfig(UserConfigSchema, env)
}
