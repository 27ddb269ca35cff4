/** Every use case of the job service, built once from the one {@link ServiceDeps} (see `app.ts`). */
import { Applications } from './applications.js'
import { Cancellation } from './cancellation.js'
import { Contracts } from './contracts.js'
import type { ServiceDeps } from './deps.js'
import { Hiring } from './hiring.js'
import { Invitations } from './invitations.js'
import { JobSearch } from './job-search.js'
import { Jobs } from './jobs.js'
import { Milestones } from './milestones.js'
import { PaymentFacts } from './payment-facts.js'
import { Recommendations } from './recommendations.js'
import { Signing } from './signing.js'

/** The use cases, by name (what route plugins and event handlers receive). */
export interface UseCases {
  jobs: Jobs
  jobSearch: JobSearch
  applications: Applications
  invitations: Invitations
  recommendations: Recommendations
  hiring: Hiring
  contracts: Contracts
  signing: Signing
  milestones: Milestones
  cancellation: Cancellation
  paymentFacts: PaymentFacts
}

/** Build every use case on `deps`. */
export function useCases(deps: ServiceDeps): UseCases {
  const hiring = new Hiring(deps)
  return {
    jobs: new Jobs(deps, hiring),
    jobSearch: new JobSearch(deps),
    applications: new Applications(deps),
    invitations: new Invitations(deps),
    recommendations: new Recommendations(deps),
    hiring,
    contracts: new Contracts(deps),
    signing: new Signing(deps, hiring),
    milestones: new Milestones(deps),
    cancellation: new Cancellation(deps, hiring),
    paymentFacts: new PaymentFacts(deps, hiring),
  }
}
