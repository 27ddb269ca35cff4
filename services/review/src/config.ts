/**
 * The review service's configuration: one env schema, checked at boot (docs/conventions.md,
 * Configuration). A missing or bad variable stops the process with a message naming it.
 */
import { baseConfig, loadConfig, storageConfig } from '@kelmah/service-kit'
import Type, { type Static } from 'typebox'

/** Env schema of the review service. */
export const ReviewConfigSchema = Type.Object({
  ...baseConfig,
  ...storageConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: 3006 }),
  /** Days each party has to review, from the contract's end (domain/eligibility.ts). */
  REVIEW_WINDOW_DAYS: Type.Integer({ minimum: 1, maximum: 365, default: 14 }),
  /**
   * Milliseconds between sweeps that close expired review windows and finish interrupted reveals
   * (services/sweep.ts). The state is in the database, so any instance's sweep (or the next one
   * after a restart) does it.
   */
  REVIEW_SWEEP_INTERVAL_MS: Type.Integer({ minimum: 100, maximum: 86_400_000, default: 60_000 }),
  /**
   * The prior mean `m` of the Bayesian score (domain/ratings.ts): where a user with few reviews
   * starts, 1–5. Default 4.0, just below what marketplaces' ratings cluster at, so a handful of
   * 5-star reviews does not outrank a long record.
   */
  REVIEW_PRIOR_MEAN: Type.Number({ minimum: 1, maximum: 5, default: 4 }),
  /** The weight `C` of the prior, in reviews' worth (domain/ratings.ts). Default 5. */
  REVIEW_PRIOR_WEIGHT: Type.Number({ minimum: 0, maximum: 1000, default: 5 }),
})

/** The typed configuration. */
export type ReviewConfig = Static<typeof ReviewConfigSchema>

/**
 * Load the configuration from `env`.
 *
 * @throws ConfigError naming every bad or missing variable
 */
export function loadReviewConfig(env: Record<string, string | undefined> = process.env): ReviewConfig {
  return loadConfig(ReviewConfigSchema, env)
}
