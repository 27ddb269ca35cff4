/**
 * Every subscription of the job service, registered in one place at start-up
 * ({@link registerSubscriptions}; docs/conventions.md, Events and handlers): queues
 * `job.worker-profiles` and `job.suspensions` (below), `job.payments` (`payment-handlers.ts`),
 * `job.hiring` (`hiring-handlers.ts`) and, with the browse read model on, `job.read-model`
 * ({@link readModelHandlers}). The `job.suspensions` handlers keep the
 * `user_suspensions` read model and its copies on jobs and worker profiles
 * (`services/suspensions.ts`): `UserSuspended` / `UserReinstated`, the later `occurredAt` wins.
 * The `job.worker-profiles` handlers keep the `worker_profiles` read model:
 * - `ProfileUpdated` → the profile snapshot, applied only when its `profileVersion` is newer
 *   than the stored one;
 * - `RatingUpdated` → the rating aggregate (average, count and the Bayesian score the
 *   recommendations rank by), applied only when its `sequence` is newer.
 * Both are idempotent by these guards (the same event twice, or an older one late, changes
 * nothing), on top of the bus's inbox dedupe.
 */
import type { EventFor, Handler, HandlerContext, HandlerMap } from '@kelmah/bus'
import { isDuplicateKey, type Clock, type KelmahApp } from '@kelmah/service-kit'
import { normaliseSkills } from '../domain/keywords.js'
import type { JobModels } from '../models/index.js'
import type { JobIndex } from '../read-model/job-index.js'
import type { Hiring } from '../services/hiring.js'
import type { PaymentFacts } from '../services/payment-facts.js'
import { applySuspension, syncSuspension, type SuspensionModels } from '../services/suspensions.js'
import { hiringHandlers } from './hiring-handlers.js'
import { paymentHandlers } from './payment-handlers.js'

/** Outcome of a read-model handler (for logs and tests). */
export type ApplyOutcome = 'applied' | 'stale'

/** The read models the handlers here write (worker snapshots, suspensions and their copies on jobs). */
export type ReadModels = Pick<JobModels, 'WorkerProfile'> & SuspensionModels

/**
 * Upsert guarded by `guard`: update the document when it exists and the guard holds, insert it
 * when it does not exist; when it exists and the guard fails the upsert's insert hits the unique
 * `_id`, which means "stale".
 */
async function guardedUpsert(
  m: ReadModels,
  userId: string,
  guard: Record<string, unknown>,
  set: Record<string, unknown>,
  setOnInsert: Record<string, unknown>,
): Promise<ApplyOutcome> {
  try {
    const res = await m.WorkerProfile.updateOne(
      { _id: userId, ...guard },
      { $set: set, $setOnInsert: setOnInsert },
      { upsert: true },
    )
    // A snapshot made now may be of a suspended user: it takes the flag like the older ones.
    if (res.upsertedCount > 0) await syncSuspension(m, userId)
    return res.modifiedCount + res.upsertedCount > 0 ? 'applied' : 'stale'
  } catch (err) {
    if (isDuplicateKey(err)) return 'stale'
    throw err
  }
}

/** `ProfileUpdatedHandler`: keep the newest profile snapshot. */
export function profileUpdatedHandler(m: ReadModels, now: Clock = () => new Date()) {
  return async function ProfileUpdatedHandler(event: EventFor<'ProfileUpdated'>): Promise<ApplyOutcome> {
    const d = event.data
    return guardedUpsert(
      m,
      d.userId,
      { profileVersion: { $lt: d.profileVersion } },
      {
        role: d.role,
        displayName: d.displayName,
        headline: d.headline ?? null,
        skills: normaliseSkills(d.skills),
        hourlyRate: d.hourlyRate
          ? { amountMinor: d.hourlyRate.amountMinor, currency: d.hourlyRate.currency }
          : null,
        availability: d.availability ?? 'available',
        country: d.country ?? null,
        profileVersion: d.profileVersion,
        updatedAt: now(),
      },
      { rating: { average: 0, count: 0, sequence: 0, bayesianScore: null } },
    )
  }
}

/**
 * `RatingUpdatedHandler`: keep the newest rating aggregate. `bayesianScore` is optional in the
 * event; stored as null when absent, so a newer event without one leaves no stale score.
 */
export function ratingUpdatedHandler(m: ReadModels, now: Clock = () => new Date()) {
  return async function RatingUpdatedHandler(event: EventFor<'RatingUpdated'>): Promise<ApplyOutcome> {
    const d = event.data
    return guardedUpsert(
      m,
      d.userId,
      { 'rating.sequence': { $lt: d.sequence } },
      {
        rating: {
          average: d.average,
          count: d.count,
          sequence: d.sequence,
          bayesianScore: d.bayesianScore ?? null,
        },
        updatedAt: now(),
      },
      // A rating may arrive before any profile: an empty worker snapshot any profile replaces.
      {
        role: 'worker',
        displayName: '',
        headline: null,
        skills: [],
        hourlyRate: null,
        availability: 'available',
        country: null,
        profileVersion: 0,
      },
    )
  }
}

/**
 * `UserSuspendedHandler`: the user's jobs leave browse, search and recommendations, and the user
 * leaves the worker recommendations — unless a later suspension event was applied already.
 */
export function userSuspendedHandler(m: SuspensionModels, now: Clock = () => new Date()) {
  return async function UserSuspendedHandler(event: EventFor<'UserSuspended'>): Promise<ApplyOutcome> {
    return applySuspension(m, event.data.userId, true, new Date(event.occurredAt), now)
  }
}

/** `UserReinstatedHandler`: the user's jobs and worker profile are listed again — unless a later suspension event was applied. */
export function userReinstatedHandler(m: SuspensionModels, now: Clock = () => new Date()) {
  return async function UserReinstatedHandler(event: EventFor<'UserReinstated'>): Promise<ApplyOutcome> {
    return applySuspension(m, event.data.userId, false, new Date(event.occurredAt), now)
  }
}

/** A read-model handler as a bus handler (logs its outcome). */
function logged<T extends 'ProfileUpdated' | 'RatingUpdated' | 'UserSuspended' | 'UserReinstated'>(
  handle: (event: EventFor<T>) => Promise<ApplyOutcome>,
): Handler<T> {
  return async (event: EventFor<T>, ctx: HandlerContext) => {
    const outcome = await handle(event)
    ctx.logger.debug({ outcome }, 'read model')
  }
}

/** What {@link registerSubscriptions} dispatches to. */
export interface SubscriptionDeps {
  models: ReadModels
  hiring: Hiring
  paymentFacts: PaymentFacts
  now: Clock
  /** The browse read model, when on: re-indexed from the job service's own events. */
  jobIndex?: JobIndex
}

/**
 * The repair of the browse read model (queue `<service>.read-model`): every event this service
 * publishes about a job re-indexes the job by `_id` (`JobIndex.reindex`, idempotent and
 * version-guarded; a failure is retried by the bus). The request that wrote the job re-indexed
 * it already; this covers a crash between the database write and that re-index, because the
 * event rides in the written document's outbox and is published whatever happened to the process.
 */
export function readModelHandlers(index: JobIndex): HandlerMap {
  const byJob = async (event: { data: { jobId: string } }) => index.reindex(event.data.jobId)
  return {
    JobPosted: byJob,
    JobUpdated: byJob,
    JobClosed: byJob,
    ApplicationSubmitted: byJob,
    ApplicationWithdrawn: byJob,
    ContractSigned: byJob,
    ContractCompleted: byJob,
    ContractCancelled: byJob,
  }
}

/**
 * Subscribe to every event the job service consumes — the one place its queues are declared
 * (their names `<service>.worker-profiles`, `.suspensions`, `.payments`, `.hiring` are kept across releases so
 * deployments keep their queues). Call after the bus started (an `onReady` hook added after
 * `buildService`'s). Prefetch 10 each (the bus default before maps): payment facts about one
 * milestone arrive far apart in practice; the handlers are idempotent whatever the order.
 */
export async function registerSubscriptions(app: KelmahApp, d: SubscriptionDeps): Promise<void> {
  await app.bus.subscribe(
    'worker-profiles',
    {
      ProfileUpdated: logged(profileUpdatedHandler(d.models, d.now)),
      RatingUpdated: logged(ratingUpdatedHandler(d.models, d.now)),
    },
    { prefetch: 10 },
  )
  await app.bus.subscribe(
    'suspensions',
    {
      UserSuspended: logged(userSuspendedHandler(d.models, d.now)),
      UserReinstated: logged(userReinstatedHandler(d.models, d.now)),
    },
    { prefetch: 10 },
  )
  await app.bus.subscribe('payments', paymentHandlers(d.paymentFacts), { prefetch: 10 })
  await app.bus.subscribe('hiring', hiringHandlers(d.hiring), { prefetch: 10 })
  if (d.jobIndex) await app.bus.subscribe('read-model', readModelHandlers(d.jobIndex), { prefetch: 10 })
}
