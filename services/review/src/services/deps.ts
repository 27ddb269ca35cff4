/**
 * What every use case of the review service is built from: the models, the stores (the write
 * path of each aggregate that carries events), the clock and the configuration. Built once in
 * `app.ts`; the ratings rebuild CLI builds its own without a relay.
 */
import type { AggregateStore, Clock } from '@kelmah/service-kit'
import type { ReviewConfig } from '../config.js'
import type { Prior } from '../domain/ratings.js'
import { ReportNotFound, ReviewNotFound } from '../errors.js'
import type { RatingDoc, ReplyDoc, ReportDoc, RevealDoc, ReviewDoc, ReviewModels } from '../models/index.js'

/** The stores, by aggregate. */
export interface ReviewStores {
  reviews: AggregateStore<ReviewDoc>
  reveals: AggregateStore<RevealDoc>
  replies: AggregateStore<ReplyDoc>
  reports: AggregateStore<ReportDoc>
  ratings: AggregateStore<RatingDoc>
}

/** A minimal logger (pino's shape). */
export interface Logger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

/** The shared dependencies of the use cases. */
export interface ReviewDeps {
  models: ReviewModels
  stores: ReviewStores
  config: Pick<ReviewConfig, 'REVIEW_WINDOW_DAYS' | 'REVIEW_PRIOR_MEAN' | 'REVIEW_PRIOR_WEIGHT'>
  now: Clock
  logger: Logger
}

/** How to make a store: `app.store` in the service, `new AggregateStore` in the CLI. */
export type StoreFactory = <T extends { _id: unknown }>(
  model: ReviewModels[keyof ReviewModels],
  opts: { name: string; touch?: boolean; notFound?: (id: string) => Error },
) => AggregateStore<T>

/** Build the stores with `store`. */
export function reviewStores(models: ReviewModels, store: StoreFactory): ReviewStores {
  return {
    reviews: store<ReviewDoc>(models.Review, { name: 'review', notFound: (id) => new ReviewNotFound(id) }),
    reveals: store<RevealDoc>(models.Reveal, { name: 'reveal', touch: false }),
    replies: store<ReplyDoc>(models.Reply, { name: 'reply', touch: false }),
    reports: store<ReportDoc>(models.Report, { name: 'report', notFound: (id) => new ReportNotFound(id) }),
    ratings: store<RatingDoc>(models.Rating, { name: 'rating', touch: false }),
  }
}

/** The Bayesian prior from the configuration. */
export function priorOf(config: ReviewDeps['config']): Prior {
  return { mean: config.REVIEW_PRIOR_MEAN, weight: config.REVIEW_PRIOR_WEIGHT }
}
