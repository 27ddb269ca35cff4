/** The models of the job service's jobs, applications and recommendations parts. */
import type { Connection, Model } from 'mongoose'
import { applicationModel, type ApplicationDoc } from './application.js'
import { jobModel, type JobDoc } from './job.js'
import { workerProfileModel, type WorkerProfileDoc } from './worker-profile.js'

/** The models, by aggregate name. */
export interface JobModels {
  Job: Model<JobDoc>
  Application: Model<ApplicationDoc>
  WorkerProfile: Model<WorkerProfileDoc>
}

/** Create (once per connection) and return the models. */
export function jobModels(conn: Connection): JobModels {
  return { Job: jobModel(conn), Application: applicationModel(conn), WorkerProfile: workerProfileModel(conn) }
}
