/**
 * The event the user service produces (docs/architecture.md, Events): `ProfileUpdated`, written
 * into the profile's outbox in the same document write as the change it reports.
 */
import { createEvent, type EventContext, type EventOf } from '@kelmah/contracts'
import type { ProfileDoc } from '../models/profile.js'

/**
 * `ProfileUpdated`: the searchable snapshot of `profile` after the change, with the names of the
 * changed fields (`[]` for the creation). `ctx` is the request's (`eventContextOf`) or the
 * handled event's (the handler context).
 *
 * @throws EventValidationError when the snapshot breaks the event's schema
 */
export function profileUpdated(
  profile: Pick<
    ProfileDoc,
    | '_id'
    | 'role'
    | 'profileVersion'
    | 'displayName'
    | 'headline'
    | 'skills'
    | 'hourlyRate'
    | 'availability'
    | 'location'
  >,
  changed: string[],
  ctx: EventContext,
): EventOf<'ProfileUpdated'> {
  return createEvent(
    'ProfileUpdated',
    {
      userId: profile._id,
      role: profile.role,
      profileVersion: profile.profileVersion,
      displayName: profile.displayName,
      ...(profile.headline ? { headline: profile.headline } : {}),
      skills: [...profile.skills],
      hourlyRate: profile.hourlyRate
        ? { amountMinor: profile.hourlyRate.amountMinor, currency: profile.hourlyRate.currency }
        : null,
      ...(profile.availability ? { availability: profile.availability } : {}),
      ...(profile.location?.country ? { country: profile.location.country } : {}),
      changed,
    },
    ctx,
  )
}
