/**
 * Documents → public views (the shapes in `schemas/common.ts`). Only these leave the service.
 */
import type { Static } from 'typebox'
import type { ApplicationDoc } from '../models/application.js'
import type { JobDoc } from '../models/job.js'
import type { ApplicationView, JobView } from '../schemas/common.js'

const iso = (d: Date | null | undefined): string | null => (d ? new Date(d).toISOString() : null)

/** The public view of a job. */
export function toJobView(job: JobDoc): Static<typeof JobView> {
  const b = job.budget
  return {
    id: String(job._id),
    hirerId: job.hirerId,
    title: job.title,
    description: job.description,
    category: job.category,
    skills: [...job.skills],
    budget:
      b.type === 'fixed'
        ? { type: 'fixed', amountMinor: b.amountMinor, currency: b.currency }
        : { type: 'hourly', minMinor: b.minMinor, maxMinor: b.maxMinor, currency: b.currency },
    duration: job.duration ?? null,
    experienceLevel: job.experienceLevel ?? null,
    visibility: job.visibility,
    attachments: [...(job.attachments ?? [])],
    openings: job.openings,
    hiredCount: job.hiredCount ?? 0,
    status: job.status,
    applicationCount: job.applicationCount ?? 0,
    version: job.version ?? 0,
    publishedAt: iso(job.publishedAt),
    closedAt: iso(job.closedAt),
    createdAt: iso(job.createdAt) as string,
    updatedAt: iso(job.updatedAt) as string,
  }
}

/** The public view of an application. */
export function toApplicationView(a: ApplicationDoc): Static<typeof ApplicationView> {
  return {
    id: String(a._id),
    jobId: String(a.jobId),
    jobTitle: a.jobTitle,
    hirerId: a.hirerId,
    workerId: a.workerId,
    coverLetter: a.coverLetter,
    bid: { amountMinor: a.bid.amountMinor, currency: a.bid.currency },
    estimatedDays: a.estimatedDays,
    proposedMilestones: (a.proposedMilestones ?? []).map((m) => ({
      title: m.title,
      amountMinor: m.amountMinor,
      dueDate: m.dueDate ?? null,
    })),
    status: a.status,
    rejectionReason: a.rejectionReason ?? null,
    version: a.version ?? 0,
    createdAt: iso(a.createdAt) as string,
    updatedAt: iso(a.updatedAt) as string,
  }
}
