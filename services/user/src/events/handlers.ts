/**
 * Every event the user service consumes, subscribed in one place at start-up
 * (docs/conventions.md, Events and handlers):
 *
 * - queue `user.profiles`: `UserRegistered` (create the profile), `UserDeactivated` (hide it),
 *   `UserSuspended` / `UserReinstated` (take it out of search and public view / bring it back;
 *   the later `occurredAt` wins, so duplicates and out-of-order pairs are safe);
 * - queue `user.ratings`: `RatingUpdated` (rating summary, newer `sequence` only).
 *
 * Effects are idempotent on their own (unique `_id` insert, guarded updates), on top of the
 * bus's inbox dedupe by event id. Events a handler causes carry its context (the handled
 * event's correlation id, its id as causation id).
 */
import type { Handler } from '@kelmah/bus'
import type { KelmahApp } from '@kelmah/service-kit'
import type { Profiles } from '../services/profiles.js'

/** Handlers' collaborators. */
export interface HandlerDeps {
  profiles: Profiles
}

/** `UserRegistered` → create the profile (name and role from the event). */
export function UserRegisteredHandler(deps: HandlerDeps): Handler<'UserRegistered'> {
  return async (event, ctx) => {
    await deps.profiles.createFromRegistration(event.data, ctx)
  }
}

/** `UserDeactivated` → hide the profile from search and public view. */
export function UserDeactivatedHandler(deps: HandlerDeps): Handler<'UserDeactivated'> {
  return async (event) => {
    await deps.profiles.deactivate(event.data.userId)
  }
}

/**
 * `UserSuspended` → the profile leaves search, the public view (404 to all but its owner and
 * admins) and the skills catalogue's counts — unless a later suspension event was applied already.
 */
export function UserSuspendedHandler(deps: HandlerDeps): Handler<'UserSuspended'> {
  return async (event, ctx) => {
    const applied = await deps.profiles.applySuspension(event.data.userId, true, new Date(event.occurredAt))
    if (!applied) ctx.logger.debug({ userId: event.data.userId }, 'older suspension event ignored')
  }
}

/** `UserReinstated` → the profile is listed again — unless a later suspension event was applied already. */
export function UserReinstatedHandler(deps: HandlerDeps): Handler<'UserReinstated'> {
  return async (event, ctx) => {
    const applied = await deps.profiles.applySuspension(event.data.userId, false, new Date(event.occurredAt))
    if (!applied) ctx.logger.debug({ userId: event.data.userId }, 'older suspension event ignored')
  }
}

/** `RatingUpdated` → store the rating summary when its sequence is newer. */
export function RatingUpdatedHandler(deps: HandlerDeps): Handler<'RatingUpdated'> {
  return async (event, ctx) => {
    const applied = await deps.profiles.applyRating(event.data)
    if (!applied) ctx.logger.debug({ sequence: event.data.sequence }, 'older rating summary ignored')
  }
}

/** Subscribe every consumer. Call once the bus has started (an `onReady` hook). */
export async function registerHandlers(app: KelmahApp, deps: HandlerDeps): Promise<void> {
  await app.bus.subscribe('profiles', {
    UserRegistered: UserRegisteredHandler(deps),
    UserDeactivated: UserDeactivatedHandler(deps),
    UserSuspended: UserSuspendedHandler(deps),
    UserReinstated: UserReinstatedHandler(deps),
  })
  await app.bus.subscribe('ratings', { RatingUpdated: RatingUpdatedHandler(deps) })
}
