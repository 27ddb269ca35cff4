/**
 * Suspended users, from auth's `UserSuspended` / `UserReinstated`: a suspended hirer's jobs leave
 * browse, search, recommendations and invitation lists (and refuse applications); a suspended
 * worker leaves the worker recommendations and cannot be invited. Reinstatement restores both.
 *
 * The state lives in the `user_suspensions` read model (`models/user-suspension.ts`): one upsert
 * guarded by the event time, so a duplicate or a late older event is stale (the latest decision
 * wins in any order of arrival). The lists filter on flags copied onto the documents they already
 * read — `jobs.hirerSuspended` (by `hirerId`, indexed) and `worker_profiles.suspended` (by `_id`) —
 * which keeps every list query equality-shaped (`{$ne: true}` on a boolean, pushed down to
 * PostgreSQL by FerretDB 1.24 like an equality, and true of documents older than the flag).
 *
 * The copy ({@link syncSuspension}) reads the state, writes the flags, and reads the state again:
 * if the state moved meanwhile (a second event, handled concurrently) or a document still carries
 * the other flag (a job posted, a profile snapshot inserted, or a write lost on FerretDB in
 * between), it copies again. Whoever writes last therefore writes the latest state. Jobs posted
 * and worker snapshots inserted call it too, so a document made while its user is suspended gets
 * the flag. Nothing here is a change of a job or a profile: no version bump, no event.
 */
import { isDuplicateKey, type Clock } from '@kelmah/service-kit'
import type { JobModels } from '../models/index.js'

/** What the suspension copy reads and writes. */
export type SuspensionModels = Pick<JobModels, 'Job' | 'WorkerProfile' | 'UserSuspension'>

/** Rounds of {@link syncSuspension} before it gives up (the bus retries the event). */
export const SYNC_ROUNDS = 5

/** A boolean filter matching the documents whose flag is not `value` (absent counts as false). */
const notFlagged = (value: boolean) => (value ? { $ne: true } : true)

/**
 * Apply `UserSuspended` (`suspended: true`) or `UserReinstated` (`false`) that occurred at `at`
 * to the read model, then copy the state onto the user's jobs and worker profile (also when the
 * event was stale: a redelivery after a crash between the two heals the copy).
 *
 * @returns `applied`, or `stale` when a later (or the same) event was applied already
 * @throws Error (retried by the bus) when the copy keeps losing to concurrent changes
 */
export async function applySuspension(
  m: SuspensionModels,
  userId: string,
  suspended: boolean,
  at: Date,
  now: Clock,
): Promise<'applied' | 'stale'> {
  let outcome: 'applied' | 'stale'
  try {
    const res = await m.UserSuspension.updateOne(
      { _id: userId, at: { $lt: at } },
      { $set: { suspended, at, updatedAt: now() } },
      { upsert: true },
    )
    outcome = res.modifiedCount + res.upsertedCount > 0 ? 'applied' : 'stale'
  } catch (err) {
    // The document exists and its `at` is not older: the upsert's insert hit the unique `_id`.
    if (!isDuplicateKey(err)) throw err
    outcome = 'stale'
  }
  await syncSuspension(m, userId)
  return outcome
}

/**
 * Copy the user's suspension state onto their jobs (`hirerSuspended`) and worker profile
 * (`suspended`); nothing when the user was never suspended (one `_id` lookup).
 *
 * @returns the state copied (false when never suspended)
 * @throws Error after {@link SYNC_ROUNDS} rounds in which the state or the flags kept moving
 */
export async function syncSuspension(m: SuspensionModels, userId: string): Promise<boolean> {
  for (let round = 0; round < SYNC_ROUNDS; round++) {
    const state = await m.UserSuspension.findById(userId, { suspended: 1, at: 1 }).lean()
    if (!state) return false
    const s = state.suspended
    await m.Job.updateMany(
      { hirerId: userId, hirerSuspended: notFlagged(s) },
      { $set: { hirerSuspended: s } },
      { timestamps: false },
    )
    await m.WorkerProfile.updateOne({ _id: userId, suspended: notFlagged(s) }, { $set: { suspended: s } })
    const [again, stray] = await Promise.all([
      m.UserSuspension.findById(userId, { suspended: 1, at: 1 }).lean(),
      m.Job.exists({ hirerId: userId, hirerSuspended: notFlagged(s) }),
    ])
    if (again && new Date(again.at).getTime() === new Date(state.at).getTime() && !stray) return s
  }
  throw new Error(`suspension state of ${userId} kept moving while copied; retry`)
}
