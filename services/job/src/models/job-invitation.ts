/**
 * Invitations to a job (collection `job_invitations`): the workers a hirer asked to apply. For an
 * `invite_only` job they are, with the hirer and admins, the only ones who see it and the only
 * ones who may apply (`domain/job-visibility.ts`); on a public job an invitation is a nudge.
 *
 * One insert-only document per (job, worker), `_id` = `"<jobId>:<workerId>"`: inviting twice is
 * the same document (a duplicate-`_id` insert is atomic on FerretDB across processes, where a
 * guarded update is not — docs/ferretdb.md), and "is this worker invited?" is one `_id` lookup,
 * which FerretDB pushes down.
 */
import { Schema, type Connection, type Model, type Types } from 'mongoose'

/** An invitation as stored. */
export interface JobInvitationDoc {
  /** `"<jobId>:<workerId>"` ({@link invitationId}). */
  _id: string
  jobId: Types.ObjectId
  /** The job's hirer, who invited. */
  hirerId: string
  /** The invited worker's user id. */
  workerId: string
  createdAt: Date
}

/** The `_id` of the invitation of `workerId` to job `jobId`. */
export function invitationId(jobId: Types.ObjectId | string, workerId: string): string {
  return `${String(jobId)}:${workerId}`
}

/** Mongoose schema of `job_invitations`; indexes serve the hirer's and the worker's lists. */
export const JobInvitationSchema = new Schema<JobInvitationDoc>(
  {
    _id: { type: String, required: true },
    jobId: { type: Schema.Types.ObjectId, required: true },
    hirerId: { type: String, required: true },
    workerId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'job_invitations', versionKey: false },
)
JobInvitationSchema.index({ jobId: 1, createdAt: -1, _id: -1 })
JobInvitationSchema.index({ workerId: 1, createdAt: -1, _id: -1 })

/** The JobInvitation model on `conn` (created once per connection). */
export function jobInvitationModel(conn: Connection): Model<JobInvitationDoc> {
  return (
    (conn.models.JobInvitation as Model<JobInvitationDoc> | undefined) ??
    conn.model<JobInvitationDoc>('JobInvitation', JobInvitationSchema)
  )
}
