/**
 * In-app notification rules (pure): which event tells whom what. One notification per
 * (event, recipient); its id `<eventId>:<recipientId>` makes the handler idempotent.
 */

/** The kinds of in-app notifications; each can be switched off per user. */
export const NOTIFICATION_KINDS = [
  'application_received',
  'application_accepted',
  'contract_signed',
  'milestone_submitted',
  'milestone_approved',
  'review_requested',
  'reviews_revealed',
] as const
/** A notification kind. */
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number]

/** A notification to write. */
export interface NotificationDraft {
  recipientId: string
  kind: NotificationKind
  title: string
  body: string
  /** Ids the client needs to open the subject (jobId, contractId, …). */
  data: Record<string, string>
}

/** The id of the notification of `eventId` to `recipientId` (idempotency key). */
export function notificationId(eventId: string, recipientId: string): string {
  return `${eventId}:${recipientId}`
}

/** The facts of the events that notify (tolerant reader: only these fields are read). */
export type NotifyingEvent =
  | {
      type: 'ApplicationSubmitted'
      data: { applicationId: string; jobId: string; jobTitle: string; hirerId: string; workerId: string }
    }
  | {
      type: 'ApplicationAccepted'
      data: {
        applicationId: string
        jobId: string
        jobTitle: string
        hirerId: string
        workerId: string
        contractId: string
      }
    }
  | {
      type: 'ContractSigned'
      data: { contractId: string; jobId: string; hirerId: string; workerId: string; title: string }
    }
  | {
      type: 'MilestoneSubmitted'
      data: {
        contractId: string
        milestoneId: string
        jobId: string
        hirerId: string
        workerId: string
        title: string
      }
    }
  | {
      type: 'MilestoneApproved'
      data: {
        contractId: string
        milestoneId: string
        jobId: string
        hirerId: string
        workerId: string
        title: string
      }
    }
  | {
      /** `title` is the contract's, when `contract_refs` knows it (the event has none). */
      type: 'ContractCompleted'
      data: { contractId: string; jobId: string; hirerId: string; workerId: string; title?: string }
    }
  | {
      type: 'ReviewsRevealed'
      data: {
        contractId: string
        reviews: ReadonlyArray<{ reviewId: string; authorId: string; subjectId: string }>
        title?: string
      }
    }

/** ` "<title>"` when the title is known, else nothing. */
const quoted = (title: string | undefined) => (title ? ` "${title}"` : '')

/** The notifications an event causes. */
export function notificationsFor(event: NotifyingEvent): NotificationDraft[] {
  switch (event.type) {
    case 'ApplicationSubmitted': {
      const d = event.data
      return [
        {
          recipientId: d.hirerId,
          kind: 'application_received',
          title: 'New application',
          body: `You received an application for "${d.jobTitle}"`,
          data: { jobId: d.jobId, applicationId: d.applicationId, workerId: d.workerId },
        },
      ]
    }
    case 'ApplicationAccepted': {
      const d = event.data
      return [
        {
          recipientId: d.workerId,
          kind: 'application_accepted',
          title: 'Application accepted',
          body: `Your application for "${d.jobTitle}" was accepted`,
          data: { jobId: d.jobId, applicationId: d.applicationId, contractId: d.contractId },
        },
      ]
    }
    case 'ContractSigned': {
      const d = event.data
      const data = { jobId: d.jobId, contractId: d.contractId }
      return [d.hirerId, d.workerId].map((recipientId) => ({
        recipientId,
        kind: 'contract_signed' as const,
        title: 'Contract signed',
        body: `The contract "${d.title}" is signed by both parties`,
        data,
      }))
    }
    case 'MilestoneSubmitted': {
      const d = event.data
      return [
        {
          recipientId: d.hirerId,
          kind: 'milestone_submitted',
          title: 'Milestone submitted',
          body: `The milestone "${d.title}" was submitted for your review`,
          data: { jobId: d.jobId, contractId: d.contractId, milestoneId: d.milestoneId },
        },
      ]
    }
    case 'MilestoneApproved': {
      const d = event.data
      return [
        {
          recipientId: d.workerId,
          kind: 'milestone_approved',
          title: 'Milestone approved',
          body: `The milestone "${d.title}" was approved`,
          data: { jobId: d.jobId, contractId: d.contractId, milestoneId: d.milestoneId },
        },
      ]
    }
    case 'ContractCompleted': {
      // Each party may now review the other (services/review): reviews stay hidden until both
      // are in or the review window closes.
      const d = event.data
      return [
        { recipientId: d.hirerId, subjectId: d.workerId, other: 'worker' },
        { recipientId: d.workerId, subjectId: d.hirerId, other: 'hirer' },
      ].map(({ recipientId, subjectId, other }) => ({
        recipientId,
        kind: 'review_requested' as const,
        title: 'Leave a review',
        body: `The contract${quoted(d.title)} is complete: review the ${other}. Reviews stay hidden until you both have reviewed or the review window closes.`,
        data: { jobId: d.jobId, contractId: d.contractId, subjectId },
      }))
    }
    case 'ReviewsRevealed': {
      // The subject of each revealed review (one notification per subject, naming their reviews).
      const d = event.data
      const bySubject = new Map<string, string[]>()
      for (const r of d.reviews)
        bySubject.set(r.subjectId, [...(bySubject.get(r.subjectId) ?? []), r.reviewId])
      return [...bySubject].map(([recipientId, reviewIds]) => ({
        recipientId,
        kind: 'reviews_revealed' as const,
        title: reviewIds.length > 1 ? 'Your reviews are public' : 'Your review is public',
        body: `The review${reviewIds.length > 1 ? 's' : ''} of you for the contract${quoted(d.title)} ${reviewIds.length > 1 ? 'are' : 'is'} now public`,
        data: { contractId: d.contractId, reviewIds: reviewIds.join(',') },
      }))
    }
  }
}
