/**
 * The messaging service's error catalogue (docs/conventions.md, Errors). Codes are prefixed `MSG_ERR_`; messages name
 * the fix. Rendered as RFC 9457 problem details by service-kit. WebSocket error frames carry the
 * same code as `code` next to their `reason`.
 */
import createError from '@fastify/error'

export { withFields, type FieldError } from '@kelmah/service-kit'

/** Unknown conversation, or one the caller does not take part in (never leaks existence). 404. */
export const ConversationNotFound = createError('MSG_ERR_CONVERSATION_NOT_FOUND', 'No such conversation', 404)
/** Unknown message, or one in a conversation the caller does not take part in. 404. */
export const MessageNotFound = createError('MSG_ERR_MESSAGE_NOT_FOUND', 'No such message', 404)
/** Unknown attachment, or one the caller may not read. 404. */
export const AttachmentNotFound = createError('MSG_ERR_ATTACHMENT_NOT_FOUND', 'No such attachment', 404)
/** Unknown notification, or someone else's. 404. */
export const NotificationNotFound = createError('MSG_ERR_NOTIFICATION_NOT_FOUND', 'No such notification', 404)
/** A conversation with oneself. 400. */
export const SelfConversation = createError(
  'MSG_ERR_SELF_CONVERSATION',
  'You cannot start a conversation with yourself',
  400,
)
/** The recipient blocked the sender (or the caller). 403. */
export const Blocked = createError(
  'MSG_ERR_BLOCKED',
  'This user does not accept messages or calls from you',
  403,
)
/** Only the sender may edit or delete a message. 403. */
export const NotSender = createError('MSG_ERR_NOT_SENDER', 'Only the sender may change this message', 403)
/** The message was deleted, or is a system message: it cannot be changed. 409. */
export const MessageImmutable = createError(
  'MSG_ERR_MESSAGE_IMMUTABLE',
  'This message can no longer be changed (%s)',
  409,
)
/** Text over the length limit or empty. 400. */
export const BadContent = createError('MSG_ERR_BAD_CONTENT', 'The message %s', 400)
/** Too many messages in the window; `Retry-After` says when to try again. 429. */
export const RateLimited = createError('MSG_ERR_RATE_LIMITED', 'Too many messages; wait %d seconds', 429)
/** Attachment type not allowed. 415. */
export const UnsupportedMedia = createError(
  'MSG_ERR_UNSUPPORTED_MEDIA',
  'Attachments must be images (png, jpeg, gif, webp) or documents (pdf, txt, doc/docx, xls/xlsx); got %s',
  415,
)
/** Attachment over the size limit. 413. */
export const AttachmentTooLarge = createError(
  'MSG_ERR_ATTACHMENT_TOO_LARGE',
  'Attachments may be at most %d bytes',
  413,
)
/** Blocking oneself, reporting oneself. 400. */
export const SelfTarget = createError('MSG_ERR_SELF_TARGET', 'You cannot %s yourself', 400)
/**
 * The user named (`participantId`, `recipientId`, a block's or report's `userId`) is not a user
 * known to messaging — never registered, deactivated or suspended (for a block or report:
 * never registered). A user who registered moments ago is known once their `UserRegistered`
 * has been handled (usually under a second). 404.
 */
export const UserNotFound = createError(
  'MSG_ERR_USER_NOT_FOUND',
  'No such user: check the id (a user who registered moments ago is known within a few seconds)',
  404,
)
/** The other participant's account is deactivated or suspended: nothing can be sent to them. 409. */
export const RecipientInactive = createError(
  'MSG_ERR_RECIPIENT_INACTIVE',
  'This user’s account is not active; messages and calls cannot reach them',
  409,
)
/**
 * The `jobId` of a new conversation is not a job between the two participants (its hirer and a
 * worker who applied or holds its contract), or is not known yet. Same answer for someone else's
 * job as for an unknown one. 404.
 */
export const JobNotFound = createError(
  'MSG_ERR_JOB_NOT_FOUND',
  'No such job between you and this user: a job conversation is between its hirer and a worker who applied',
  404,
)
/** A socket frame over its kind's per-socket rate (`WS_FRAME_LIMITS`); the error frame says when to retry. */
export const FrameRateLimited = createError(
  'MSG_ERR_FRAME_RATE_LIMITED',
  'Too many %s frames on this socket; wait %d ms',
  429,
)
/** More sockets for the user than `WS_MAX_SOCKETS_PER_USER` (all instances): the new socket is closed with 4029. */
export const TooManySockets = createError(
  'MSG_ERR_TOO_MANY_SOCKETS',
  'You have %d sockets open already (the most allowed): close one, then reconnect',
  429,
)
/** Unknown report id (admins' queue). 404. */
export const ReportNotFound = createError('MSG_ERR_REPORT_NOT_FOUND', 'No such report', 404)
/**
 * The report was resolved or dismissed already (by this admin or another): a report is closed
 * once, and its closure stands. 409.
 */
export const ReportClosed = createError(
  'MSG_ERR_REPORT_CLOSED',
  'This report was %s already; a report is closed once',
  409,
)
/** A resolution `action` that does not fit the report (`remove_message` on a report of a user). 400, field `action`. */
export const ActionNotApplicable = createError('MSG_ERR_ACTION_NOT_APPLICABLE', 'The action %s', 400)
