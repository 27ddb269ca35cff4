/** The models of the job service, by aggregate name (one place; `app.ts` builds them once). */
import type { Connection, Model } from 'mongoose'
import { applicationModel, type ApplicationDoc } from './application.js'
import { contractFateModel, type ContractFateDoc } from './contract-fate.js'
import { contractModel, type ContractDoc } from './contract.js'
import { jobInvitationModel, type JobInvitationDoc } from './job-invitation.js'
import { jobModel, type JobDoc } from './job.js'
import { userSuspensionModel, type UserSuspensionDoc } from './user-suspension.js'
import { workerProfileModel, type WorkerProfileDoc } from './worker-profile.js'

/** The models, by aggregate name. */
export interface JobModels {
  Job: Model<JobDoc>
  Application: Model<ApplicationDoc>
  Contract: Model<ContractDoc>
  /** Insert-only commit points of pending contracts (`contract-fate.ts`). */
  ContractFate: Model<ContractFateDoc>
  /** Insert-only invitations of workers to jobs (`job-invitation.ts`). */
  JobInvitation: Model<JobInvitationDoc>
  WorkerProfile: Model<WorkerProfileDoc>
  /** Which users auth has suspended (`user-suspension.ts`), from its events. */
  UserSuspension: Model<UserSuspensionDoc>
}

/** Create (once per connection) and return the models. */
export function jobModels(conn: Connection): JobModels {
  return {
    Job: jobModel(conn),
    Application: applicationModel(conn),
    Contract: contractModel(conn),
    ContractFate: contractFateModel(conn),
    JobInvitation: jobInvitationModel(conn),
    WorkerProfile: workerProfileModel(conn),
    UserSuspension: userSuspensionModel(conn),
  }
}
