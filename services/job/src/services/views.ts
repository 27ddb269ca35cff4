/**
 * Documents → public views (the shapes in `schemas/common.ts` and `schemas/contracts.ts`). Only
 * these leave the service. The one response convention: use cases return documents, routes send
 * `toXView(doc)` (a job or an application bare, a contract as `{contract}`), lists as
 * `{items, nextCursor}`; a creation answers 201.
 */
import type { Static } from 'typebox'
import type { ApplicationDoc } from '../models/application.js'
import type { ContractDoc } from '../models/contract.js'
import type { JobInvitationDoc } from '../models/job-invitation.js'
import type { JobDoc } from '../models/job.js'
import type { ApplicationView, JobView } from '../schemas/common.js'
import type { ContractView } from '../schemas/contracts.js'
import type { InvitationView } from '../schemas/invitations.js'

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

const plainMoney = (m: { amountMinor: number; currency: string }) => ({
  amountMinor: m.amountMinor,
  currency: m.currency,
})

/** The view of a contract its parties see. */
export function toContractView(c: ContractDoc): ContractView {
  return {
    id: String(c._id),
    jobId: String(c.jobId),
    applicationId: String(c.applicationId),
    hirerId: c.hirerId,
    workerId: c.workerId,
    title: c.title,
    terms: c.terms,
    total: plainMoney(c.total),
    status: c.status,
    milestones: c.milestones.map((m) => ({
      id: m.id,
      title: m.title,
      amount: plainMoney(m.amount),
      dueDate: m.dueDate ?? null,
      status: m.status,
      submission: m.submission
        ? {
            note: m.submission.note ?? null,
            deliverables: [...(m.submission.deliverables ?? [])],
            at: iso(m.submission.at) as string,
          }
        : null,
      revisions: (m.revisions ?? []).map((r) => ({ note: r.note, at: iso(r.at) as string })),
      dispute: m.dispute
        ? {
            disputeId: m.dispute.disputeId,
            raisedBy: m.dispute.raisedBy,
            reason: m.dispute.reason,
            at: iso(m.dispute.at) as string,
          }
        : null,
      platformFee: m.platformFee ? plainMoney(m.platformFee) : null,
      fundedAt: iso(m.fundedAt),
      submittedAt: iso(m.submittedAt),
      approvedAt: iso(m.approvedAt),
      releasedAt: iso(m.releasedAt),
      disputedAt: iso(m.disputedAt),
      refundedAt: iso(m.refundedAt),
      refund: m.refund
        ? {
            amount: plainMoney(m.refund.amount),
            partial: Boolean(m.refund.partial),
            reason: m.refund.reason,
            refundId: m.refund.refundId ?? null,
            at: iso(m.refund.at) as string,
          }
        : null,
      resolution: m.resolution
        ? {
            disputeId: m.resolution.disputeId,
            outcome: m.resolution.outcome,
            at: iso(m.resolution.at) as string,
          }
        : null,
    })),
    hirerSignedAt: iso(c.hirerSignedAt),
    workerSignedAt: iso(c.workerSignedAt),
    activatedAt: iso(c.activatedAt),
    completedAt: iso(c.completedAt),
    cancelledAt: iso(c.cancelledAt),
    cancellation: c.cancellation
      ? {
          by: c.cancellation.by,
          reason: c.cancellation.reason ?? null,
          mutual: Boolean(c.cancellation.mutual),
          refundableMilestoneIds: [...(c.cancellation.refundableMilestoneIds ?? [])],
        }
      : null,
    cancellationRequest: c.cancellationRequest
      ? {
          by: c.cancellationRequest.by,
          reason: c.cancellationRequest.reason ?? null,
          at: iso(c.cancellationRequest.at) as string,
        }
      : null,
    version: c.version ?? 0,
    createdAt: iso(c.createdAt) as string,
    updatedAt: iso(c.updatedAt) as string,
  }
}

/** The public view of an invitation. */
export function toInvitationView(i: JobInvitationDoc): Static<typeof InvitationView> {
  return { jobId: String(i.jobId), workerId: i.workerId, invitedAt: new Date(i.createdAt).toISOString() }
}
