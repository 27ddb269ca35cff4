/**
 * The `messaging.directory` queue: the users and job-parties read models
 * (`src/services/directory.ts`) kept from other services' events — no synchronous calls.
 *
 * | event                                     | effect                                          |
 * | ----------------------------------------- | ----------------------------------------------- |
 * | `UserRegistered`                          | the user exists                                 |
 * | `UserDeactivated`                         | the user is deactivated (final)                 |
 * | `UserSuspended` / `UserReinstated`        | suspended or not (the later `occurredAt` wins)  |
 * | `JobPosted`, `JobUpdated`, `JobClosed`    | the job's hirer                                 |
 * | `ApplicationSubmitted`                    | the job's hirer; the worker is a party          |
 * | `ContractCreated`, `ContractSigned`       | the job's hirer; the worker is a party          |
 *
 * `UserSuspended`/`UserReinstated` are subscribed to only when the event catalogue has them
 * (`libs/contracts/src/events.ts`): they are being added with the admin surface. Every write is
 * an insert by `_id` or an update guarded by the event time, so redeliveries change nothing.
 */
import type { Bus, EventFor, Handler, HandlerMap } from '@kelmah/bus'
import { catalogue } from '@kelmah/contracts'
import type { Directory } from '../services/directory.js'

/** What the directory handlers need. */
export interface DirectoryHandlerDeps {
  bus: Bus
  directory: Directory
}

/** Register the `directory` subscription. */
export async function registerDirectoryHandlers(d: DirectoryHandlerDeps): Promise<void> {
  const { directory } = d
  const at = (e: { occurredAt: string }) => new Date(e.occurredAt)

  const UserRegisteredHandler: Handler<'UserRegistered'> = (e) =>
    directory.registered(e.data.userId, e.data.role, at(e))
  const UserDeactivatedHandler: Handler<'UserDeactivated'> = (e) =>
    directory.deactivated(e.data.userId, at(e))
  const jobHirer = (e: EventFor<'JobPosted' | 'JobUpdated' | 'JobClosed'>) =>
    directory.jobHirer(e.data.jobId, e.data.hirerId)
  const party = async (
    e: EventFor<'ApplicationSubmitted' | 'ContractCreated' | 'ContractSigned'>,
  ): Promise<void> => {
    await directory.jobHirer(e.data.jobId, e.data.hirerId)
    await directory.jobParty(e.data.jobId, e.data.workerId, e.type)
  }

  const handlers: HandlerMap = {
    UserRegistered: UserRegisteredHandler,
    UserDeactivated: UserDeactivatedHandler,
    JobPosted: jobHirer,
    JobUpdated: jobHirer,
    JobClosed: jobHirer,
    ApplicationSubmitted: party,
    ContractCreated: party,
    ContractSigned: party,
    ...suspensionHandlers(directory),
  }
  await d.bus.subscribe('directory', handlers, { prefetch: 20 })
}

/**
 * `UserSuspended` → suspended, `UserReinstated` → not, when the catalogue defines them (both
 * carry `data.userId`; read tolerantly). Empty otherwise.
 */
function suspensionHandlers(directory: Directory): HandlerMap {
  const map: Record<string, (e: { data: unknown; occurredAt: string }) => Promise<void>> = {}
  const defined = catalogue as Record<string, unknown>
  for (const [type, suspended] of [
    ['UserSuspended', true],
    ['UserReinstated', false],
  ] as const) {
    if (!(type in defined)) continue
    map[type] = (e) =>
      directory.suspension((e.data as { userId: string }).userId, suspended, new Date(e.occurredAt))
  }
  return map
}
