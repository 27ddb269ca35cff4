/**
 * The messaging service's read models of other services' facts (no synchronous calls between
 * services, docs/architecture.md): who the users are, and who the parties of a job are.
 *
 * - `users`: one document per user id from `UserRegistered`, marked by `UserDeactivated`
 *   (terminal) and `UserSuspended`/`UserReinstated` (last one by `occurredAt` wins).
 * - `job_refs`: a job's hirer (from `JobPosted`, and from every job event that names it).
 * - `job_parties`: `<jobId>|<workerId>` for each worker who applied to the job or holds its
 *   contract (`ApplicationSubmitted`, `ContractCreated`, `ContractSigned`).
 *
 * Writes are inserts by `_id` (a duplicate key means "already known") or guarded updates keyed
 * by the event time, so a redelivered or late event changes nothing.
 */
import { Schema, type Connection, type Model } from 'mongoose'

/** A user as messaging knows them. */
export interface UserRefDoc {
  /** The user id (the token's `sub`). */
  _id: string
  role: string
  registeredAt: Date
  /** Set by `UserDeactivated` (never cleared: deactivation is final). */
  deactivatedAt: Date | null
  /** Whether the user is suspended now (`UserSuspended` / `UserReinstated`). */
  suspended: boolean
  /** `occurredAt` of the suspension event applied last (older ones are ignored). */
  suspensionAt: Date | null
}

/** A job's hirer. */
export interface JobRefDoc {
  /** The job id. */
  _id: string
  hirerId: string
}

/** A worker who applied to a job or holds its contract. */
export interface JobPartyDoc {
  /** `<jobId>|<workerId>`. */
  _id: string
  jobId: string
  workerId: string
  /** The event that made them a party first. */
  via: 'ApplicationSubmitted' | 'ContractCreated' | 'ContractSigned'
}

const UserRefSchema = new Schema<UserRefDoc>(
  {
    _id: { type: String, required: true },
    role: { type: String, required: true },
    registeredAt: { type: Date, required: true },
    deactivatedAt: { type: Date, default: null },
    suspended: { type: Boolean, default: false },
    suspensionAt: { type: Date, default: null },
  },
  { collection: 'users', versionKey: false },
)

const JobRefSchema = new Schema<JobRefDoc>(
  { _id: { type: String, required: true }, hirerId: { type: String, required: true } },
  { collection: 'job_refs', versionKey: false },
)

const JobPartySchema = new Schema<JobPartyDoc>(
  {
    _id: { type: String, required: true },
    jobId: { type: String, required: true },
    workerId: { type: String, required: true },
    via: { type: String, required: true },
  },
  { collection: 'job_parties', versionKey: false },
)

/** The id of a job party document. */
export function jobPartyId(jobId: string, workerId: string): string {
  return `${jobId}|${workerId}`
}

/** The read models' mongoose models on `conn`. */
export function directoryModels(conn: Connection): {
  UserRef: Model<UserRefDoc>
  JobRef: Model<JobRefDoc>
  JobParty: Model<JobPartyDoc>
} {
  const get = <T>(name: string, schema: Schema<T>): Model<T> =>
    (conn.models[name] as Model<T> | undefined) ?? conn.model<T>(name, schema)
  return {
    UserRef: get('UserRef', UserRefSchema),
    JobRef: get('JobRef', JobRefSchema),
    JobParty: get('JobParty', JobPartySchema),
  }
}
