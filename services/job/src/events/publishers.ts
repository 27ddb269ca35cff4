/**
 * The events the jobs and applications parts produce (docs/architecture.md, Events). Each is built here and written
 * into the changed document's outbox in the same write as the change it reports; the outbox relay
 * publishes it after the write.
 */
import { createEvent, type EventContext, type EventOf } from '@kelmah/contracts'
import type { ApplicationDoc, RejectionReason } from '../models/application.js'
import type { JobDoc } from '../models/job.js'

type JobFacts = Pick<JobDoc, '_id' | 'hirerId' | 'title' | 'category' | 'skills' | 'budget'>

/** `JobPosted`: a job became open (posted directly, or a draft published). */
export function jobPosted(job: JobFacts, ctx: EventContext): EventOf<'JobPosted'> {
  return createEvent(
    'JobPosted',
    {
      jobId: String(job._id),
      hirerId: job.hirerId,
      title: job.title,
      category: job.category,
      skills: [...job.skills],
      budget: { ...job.budget },
    },
    ctx,
  )
}

/** `JobUpdated`: the hirer changed fields (`changed` names them), or the status moved. */
export function jobUpdated(
  job: Pick<JobDoc, '_id' | 'hirerId'>,
  status: JobDoc['status'],
  changed: string[],
  ctx: EventContext,
): EventOf<'JobUpdated'> {
  return createEvent('JobUpdated', { jobId: String(job._id), hirerId: job.hirerId, status, changed }, ctx)
}

/** `JobClosed`: the job stopped taking applications — closed by the hirer, or cancelled. */
export function jobClosed(
  job: Pick<JobDoc, '_id' | 'hirerId'>,
  status: 'closed' | 'cancelled',
  ctx: EventContext,
  reason?: string,
): EventOf<'JobClosed'> {
  return createEvent(
    'JobClosed',
    { jobId: String(job._id), hirerId: job.hirerId, status, ...(reason ? { reason } : {}) },
    ctx,
  )
}

type ApplicationFacts = Pick<ApplicationDoc, '_id' | 'jobId' | 'hirerId' | 'workerId'>

const refs = (a: ApplicationFacts) => ({
  applicationId: String(a._id),
  jobId: String(a.jobId),
  hirerId: a.hirerId,
  workerId: a.workerId,
})

/** `ApplicationSubmitted`: a worker applied to a job. */
export function applicationSubmitted(
  a: ApplicationFacts & Pick<ApplicationDoc, 'jobTitle' | 'bid'>,
  ctx: EventContext,
): EventOf<'ApplicationSubmitted'> {
  return createEvent(
    'ApplicationSubmitted',
    { ...refs(a), jobTitle: a.jobTitle, bid: { amountMinor: a.bid.amountMinor, currency: a.bid.currency } },
    ctx,
  )
}

/** `ApplicationWithdrawn`: the worker took the application back. */
export function applicationWithdrawn(
  a: ApplicationFacts,
  ctx: EventContext,
): EventOf<'ApplicationWithdrawn'> {
  return createEvent('ApplicationWithdrawn', refs(a), ctx)
}

/** `ApplicationRejected`: by the hirer (`hirer`), or because the job filled or closed. */
export function applicationRejected(
  a: ApplicationFacts,
  reason: RejectionReason,
  ctx: EventContext,
): EventOf<'ApplicationRejected'> {
  return createEvent('ApplicationRejected', { ...refs(a), reason }, ctx)
}
