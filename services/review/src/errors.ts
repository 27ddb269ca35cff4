/**
 * The review service's error catalogue (docs/conventions.md, Errors). Codes are prefixed
 * `REVIEW_ERR_`; messages name the fix. Rendered as RFC 9457 problem details by service-kit.
 */
import createError from '@fastify/error'

export { withFields, type FieldError } from '@kelmah/service-kit'

/** The review service has not heard of this contract (or the caller may not know of it). 404. */
export const ContractNotFound = createError(
  'REVIEW_ERR_CONTRACT_NOT_FOUND',
  'No contract %s known to the review service; a contract that ended a moment ago may take a second to arrive: try again',
  404,
)
/** Only the contract's hirer and worker review it. 403. */
export const NotAParty = createError(
  'REVIEW_ERR_NOT_A_PARTY',
  'Only the hirer and the worker of this contract can review it',
  403,
)
/** The contract has not ended yet: reviews open when it completes. 409. */
export const ContractNotEnded = createError(
  'REVIEW_ERR_CONTRACT_NOT_ENDED',
  'The contract has not ended yet; reviews open when it is completed (or cancelled after a paid milestone)',
  409,
)
/** The contract was cancelled before any milestone was paid: nothing to review. 409. */
export const NotEligible = createError(
  'REVIEW_ERR_NOT_ELIGIBLE',
  'The contract was cancelled before any milestone was paid, so it cannot be reviewed',
  409,
)
/** The review window has closed. 409. */
export const WindowClosed = createError(
  'REVIEW_ERR_WINDOW_CLOSED',
  'The review window of this contract closed at %s; reviews can no longer be written',
  409,
)
/** The author already reviewed this contract (reviews cannot be edited). 409. */
export const AlreadyReviewed = createError(
  'REVIEW_ERR_ALREADY_REVIEWED',
  'You already reviewed this contract (review %s); a review cannot be changed or written twice',
  409,
)
/** No review the caller may see. 404. */
export const ReviewNotFound = createError('REVIEW_ERR_REVIEW_NOT_FOUND', 'No review %s', 404)
/** Only the review's subject replies. 403. */
export const NotTheSubject = createError(
  'REVIEW_ERR_NOT_THE_SUBJECT',
  'Only the person the review is about can reply to it',
  403,
)
/** The subject already replied (once only). 409. */
export const AlreadyReplied = createError(
  'REVIEW_ERR_ALREADY_REPLIED',
  'This review already has your reply; a reply cannot be changed or written twice',
  409,
)
/** An author reporting their own review. 403. */
export const OwnReview = createError('REVIEW_ERR_OWN_REVIEW', 'You cannot report your own review', 403)
/** The caller already reported this review. 409. */
export const AlreadyReported = createError(
  'REVIEW_ERR_ALREADY_REPORTED',
  'You already reported this review (report %s); an admin will look at it',
  409,
)
/** No such report. 404. */
export const ReportNotFound = createError('REVIEW_ERR_REPORT_NOT_FOUND', 'No report %s', 404)
/** A report already resolved or dismissed. 409. */
export const ReportClosed = createError(
  'REVIEW_ERR_REPORT_CLOSED',
  'The report was already %s; open reports only can be resolved or dismissed',
  409,
)
/** Hiding a hidden review, or restoring a visible one. 409. */
export const ModerationState = createError('REVIEW_ERR_MODERATION_STATE', 'The review is already %s', 409)
