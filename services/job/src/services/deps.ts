/**
 * What every use case of this service is built from: the models (reads), one store per aggregate
 * (writes: `change`/`create`/`write` with the version guard and the outbox), the clock, the log
 * and the ranking bound. Built once in `app.ts` ({@link serviceDeps}).
 */
import type { AggregateStore, Clock, KelmahApp } from '@kelmah/service-kit'
import type { FastifyBaseLogger } from 'fastify'
import { ApplicationNotFound, ConcurrentUpdate, ContractNotFound, JobNotFound } from '../errors.js'
import type { ApplicationDoc } from '../models/application.js'
import type { ContractDoc } from '../models/contract.js'
import type { JobModels } from '../models/index.js'
import type { JobDoc } from '../models/job.js'

/** The write path of each aggregate. */
export interface JobStores {
  jobs: AggregateStore<JobDoc>
  applications: AggregateStore<ApplicationDoc>
  contracts: AggregateStore<ContractDoc>
}

/** The one dependency object of every use case. */
export interface ServiceDeps extends JobModels {
  stores: JobStores
  /** The service clock (`app.now`). */
  now: Clock
  log: FastifyBaseLogger
  /** Candidates scored per ranked list (`RANKING_CANDIDATE_CAP`). */
  candidateCap: number
}

/**
 * The deps of `app`'s use cases: one store per aggregate, each reporting this service's own 404
 * and 409 (`JOB_ERR_…_NOT_FOUND`, `JOB_ERR_CONCURRENT_UPDATE`) so the codes stay as they were.
 */
export function serviceDeps(app: KelmahApp, models: JobModels, candidateCap: number): ServiceDeps {
  return {
    ...models,
    stores: {
      jobs: app.store<JobDoc>(models.Job, {
        name: 'job',
        conflict: () => new ConcurrentUpdate('job'),
        notFound: (id) => new JobNotFound(id),
      }),
      applications: app.store<ApplicationDoc>(models.Application, {
        name: 'application',
        conflict: () => new ConcurrentUpdate('application'),
        notFound: (id) => new ApplicationNotFound(id),
      }),
      contracts: app.store<ContractDoc>(models.Contract, {
        name: 'contract',
        conflict: () => new ConcurrentUpdate('contract'),
        notFound: (id) => new ContractNotFound(id),
      }),
    },
    now: app.now,
    log: app.log,
    candidateCap,
  }
}
