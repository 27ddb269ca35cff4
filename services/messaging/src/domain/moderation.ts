/**
 * Moderation rules (pure; issue 14, the admin surface): what a report keeps of the reported
 * message, which resolution actions fit which report, what closing a report changes, and what
 * an admin's removal does to a message. `src/services/moderation.ts` loads and stores.
 */
import type { Decision } from '@kelmah/service-kit'
import { ActionNotApplicable, ReportClosed, withFields } from '../errors.js'
import type { MessageDoc } from '../models/message.js'
import type {
  MessageSnapshot,
  ReportClosure,
  ReportDoc,
  ReportStatus,
  ResolutionAction,
} from '../models/safety.js'

/** The resolution actions, besides closing the report (`none`, the default). */
export const RESOLUTION_ACTIONS: readonly ResolutionAction[] = ['none', 'remove_message']

/** The reported message as `capturedAt` sees it (the text as it is then, even if later edited or deleted). */
export function snapshotOf(msg: MessageDoc, capturedAt: Date): MessageSnapshot {
  return {
    id: msg._id.toHexString(),
    conversationId: msg.conversationId,
    senderId: msg.senderId,
    type: msg.type,
    content: msg.deletedAt ? '' : msg.content,
    attachment: msg.deletedAt ? null : (msg.attachment ?? null),
    createdAt: msg.createdAt,
    editedAt: msg.editedAt ?? null,
    capturedAt,
  }
}

/**
 * Check that `report` is open and that `action` fits it: only a resolution acts, and
 * `remove_message` needs a reported message.
 *
 * @throws ReportClosed (409) when the report was closed already; ActionNotApplicable (400,
 *   field `action`) for an action the report does not allow
 */
export function checkClose(
  report: Pick<ReportDoc, 'status' | 'messageId'>,
  status: Exclude<ReportStatus, 'open'>,
  action: ResolutionAction,
): void {
  if (report.status !== 'open') throw new ReportClosed(report.status)
  if (action === 'remove_message' && status !== 'resolved')
    throw withFields(new ActionNotApplicable('remove_message resolves a report; dismiss takes none'), [
      { field: 'action', message: 'only a resolution takes an action', in: 'body' },
    ])
  if (action === 'remove_message' && !report.messageId)
    throw withFields(new ActionNotApplicable('remove_message needs a report of a message'), [
      { field: 'action', message: 'this report is about a user, not a message', in: 'body' },
    ])
}

/**
 * The report takes the committed `closure`: status and closure recorded. Nothing when the report
 * already carries a closure (applying the one closure again — a retry, a healed crash — changes
 * nothing).
 */
export function closeReport(report: Pick<ReportDoc, 'status'>, closure: ReportClosure): Decision | null {
  if (report.status !== 'open') return null
  return { set: { status: closure.status, closure } }
}

/**
 * An admin removes `msg` for everyone (resolving report `reportId` at `at`): the text is emptied
 * as a deletion does, `deletedAt` kept when the sender deleted it first, and the removal
 * recorded. Nothing when it was removed already. Unlike the sender's own delete, system and
 * call messages are no exception: an admin may remove anything.
 */
export function removeMessage(
  msg: Pick<MessageDoc, 'deletedAt' | 'removal'>,
  by: string,
  reportId: string,
  at: Date,
): Decision | null {
  if (msg.removal) return null
  return { set: { deletedAt: msg.deletedAt ?? at, content: '', removal: { by, at, reportId } } }
}
