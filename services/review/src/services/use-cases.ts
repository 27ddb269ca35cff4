/**
 * Every use case of the review service, built once from the shared dependencies and handed to
 * the route plugins, the subscriptions and the sweep.
 */
import type { AuditLog } from '@kelmah/service-kit'
import { Contracts } from './contracts.js'
import type { ReviewDeps } from './deps.js'
import { Moderation } from './moderation.js'
import { Ratings } from './ratings.js'
import { Reveals } from './reveals.js'
import { Reviews } from './reviews.js'
import { Views } from './views.js'

/** The use cases, by name. */
export interface UseCases {
  deps: ReviewDeps
  contracts: Contracts
  ratings: Ratings
  reveals: Reveals
  reviews: Reviews
  moderation: Moderation
  /** The append-only log of admin actions (`audit_log`), written by moderation. */
  audit: AuditLog
}

/** Build the use cases on `deps`; `audit` is the service's audit log (service-kit src/audit.ts). */
export function useCases(deps: ReviewDeps, audit: AuditLog): UseCases {
  const contracts = new Contracts(deps)
  const ratings = new Ratings(deps)
  const reveals = new Reveals(deps, ratings)
  const views = new Views(deps, contracts, reveals)
  const reviews = new Reviews(deps, contracts, reveals, views)
  return {
    deps,
    contracts,
    ratings,
    reveals,
    reviews,
    moderation: new Moderation(deps, reviews, ratings, views, audit),
    audit,
  }
}
