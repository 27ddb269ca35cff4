/**
 * Every subscription of the job service's jobs/applications part, registered in one place at
 * start-up (STYLE §6). Handlers keep the `worker_profiles` read model:
 * - `ProfileUpdated` → the profile snapshot, applied only when its `profileVersion` is newer
 *   than the stored one;
 * - `RatingUpdated` → the rating aggregate, applied only when its `sequence` is newer.
 * Both are idempotent by these guards (the same event twice, or an older one late, changes
 * nothing), on top of the bus's inbox dedupe.
 */
import type { EventFor, HandlerContext } from '@kelmah/bus'
import type { KelmahApp } from '@kelmah/service-kit'
import { normaliseSkills } from '../domain/keywords.js'
import type { JobModels } from '../models/index.js'

const DUPLICATE_KEY = 11000

/** Outcome of a read-model handler (for logs and tests). */
export type ApplyOutcome = 'applied' | 'stale'

/**
 * Upsert guarded by `guard`: update the document when it exists and the guard holds, insert it
 * when it does not exist; when it exists and the guard fails the upsert's insert hits the unique
 * `_id`, which means "stale".
 */
async function guardedUpsert(
  m: JobModels,
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
    return res.modifiedCount + res.upsertedCount > 0 ? 'applied' : 'stale'
  } catch (err) {
    if ((err as { code?: unknown }).code === DUPLICATE_KEY) return 'stale'
    throw err
  }
}

/** `ProfileUpdatedHandler`: keep the newest profile snapshot. */
export function profileUpdatedHandler(m: JobModels) {
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
        updatedAt: new Date(),
      },
      { rating: { average: 0, count: 0, sequence: 0 } },
    )
  }
}

/** `RatingUpdatedHandler`: keep the newest rating aggregate. */
export function ratingUpdatedHandler(m: JobModels) {
  return async function RatingUpdatedHandler(event: EventFor<'RatingUpdated'>): Promise<ApplyOutcome> {
    const d = event.data
    return guardedUpsert(
      m,
      d.userId,
      { 'rating.sequence': { $lt: d.sequence } },
      { rating: { average: d.average, count: d.count, sequence: d.sequence }, updatedAt: new Date() },
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
 * Subscribe to every event this part consumes (queues `job.worker-profiles`). Call after the bus
 * started (an `onReady` hook added after `buildService`'s).
 */
export async function registerEventHandlers(app: KelmahApp, models: JobModels): Promise<void> {
  const onProfile = profileUpdatedHandler(models)
  const onRating = ratingUpdatedHandler(models)
  await app.bus.subscribe(
    'worker-profiles',
    ['ProfileUpdated', 'RatingUpdated'],
    async (event, ctx: HandlerContext) => {
      const outcome = event.type === 'ProfileUpdated' ? await onProfile(event) : await onRating(event)
      ctx.logger.debug({ outcome }, 'worker profile read model')
    },
  )
}
