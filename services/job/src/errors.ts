/**
 * The job service's error catalogue (docs/conventions.md, Errors). Codes are prefixed `JOB_ERR_`; messages name the
 * fix. Rendered as RFC 9457 problem details by service-kit; errors carrying field errors
 * (`withFields`) also list the offending fields in `errors[]`.
 */
import createError from '@fastify/error'

/** Field errors are rendered by service-kit's shared problem handler. */
export { withFields, type FieldError } from '@kelmah/service-kit'

/** Unknown job id, or a job the caller may not see (another hirer's draft). 404. */
export const JobNotFound = createError('JOB_ERR_JOB_NOT_FOUND', 'No job %s', 404)
/** Unknown application id, or one the caller is not a party to. 404. */
export const ApplicationNotFound = createError('JOB_ERR_APPLICATION_NOT_FOUND', 'No application %s', 404)
/** A job status change the state machine forbids (`src/domain/job-status.ts`). 409. */
export const IllegalJobTransition = createError(
  'JOB_ERR_ILLEGAL_TRANSITION',
  'A job cannot move from %s to %s',
  409,
)
/** An application status change the state machine forbids (`src/domain/application-status.ts`). 409. */
export const IllegalApplicationTransition = createError(
  'JOB_ERR_APPLICATION_ILLEGAL_TRANSITION',
  'An application cannot move from %s to %s',
  409,
)
/** The document changed between read and write (another request won); re-read and retry. 409. */
export const ConcurrentUpdate = createError(
  'JOB_ERR_CONCURRENT_UPDATE',
  'The %s was changed by another request; reload it and try again',
  409,
)
/** A category outside the catalogue (`GET /api/jobs/categories`). 400. */
export const UnknownCategory = createError(
  'JOB_ERR_UNKNOWN_CATEGORY',
  'Unknown category %s; pick one from GET /api/jobs/categories',
  400,
)
/** A budget that makes no sense (hourly minimum above maximum). 400. */
export const InvalidBudget = createError('JOB_ERR_INVALID_BUDGET', 'The budget is invalid: %s', 400)
/** A job that is no longer draft or open cannot be edited. 409. */
export const JobNotEditable = createError(
  'JOB_ERR_NOT_EDITABLE',
  'A job can only be edited while draft or open; this one is %s',
  409,
)
/** Applying to a job that does not take applications (not open). 409. */
export const JobNotOpen = createError(
  'JOB_ERR_NOT_OPEN',
  'This job is %s and no longer takes applications',
  409,
)
/** A second application by the same worker to the same job. 409. */
export const AlreadyApplied = createError(
  'JOB_ERR_ALREADY_APPLIED',
  'You have already applied to this job; withdraw nothing, edit nothing — one application per job',
  409,
)
/** A bid in another currency than the job's budget. 400. */
export const BidCurrencyMismatch = createError(
  'JOB_ERR_BID_CURRENCY',
  'Bid in %s, the currency of the job budget',
  400,
)
/**
 * A bid (or a proposed milestone's amount) outside the money bounds: not a whole number, zero,
 * above the currency's ceiling, or a currency off the allow-list (`@kelmah/contracts` money). The
 * route schema refuses these at the edge; the domain checks again. 400 naming the field.
 */
export const InvalidBid = createError('JOB_ERR_INVALID_BID', 'The bid is invalid: %s', 400)
/** Proposed milestones whose amounts do not add up to the bid. 400. */
export const MilestonesDoNotSumToBid = createError(
  'JOB_ERR_MILESTONES_SUM',
  'The proposed milestones add up to %d but the bid is %d (minor units); make them equal',
  400,
)

// ── Contracts and milestones (src/domain/contract.ts, src/domain/milestone.ts) ──────────────────

/** Unknown contract id, or a contract the caller is not a party to (existence is not leaked). 404. */
export const ContractNotFound = createError('JOB_ERR_CONTRACT_NOT_FOUND', 'No contract %s', 404)
/** Unknown milestone id within a contract the caller may see. 404. */
export const MilestoneNotFound = createError(
  'JOB_ERR_MILESTONE_NOT_FOUND',
  'No milestone %s in this contract',
  404,
)
/** A contract status change the state machine forbids (`src/domain/contract.ts`). 409. */
export const IllegalContractTransition = createError(
  'JOB_ERR_CONTRACT_ILLEGAL_TRANSITION',
  'A contract cannot move from %s to %s',
  409,
)
/** A milestone status change the state machine forbids (`src/domain/milestone.ts`). 409. */
export const IllegalMilestoneTransition = createError(
  'JOB_ERR_MILESTONE_ILLEGAL_TRANSITION',
  'A milestone cannot move from %s to %s',
  409,
)
/** Milestone work (submit, approve, revision) on a contract that is not active. 409. */
export const ContractNotActive = createError(
  'JOB_ERR_CONTRACT_NOT_ACTIVE',
  'This contract is %s; milestone work needs an active (signed by both parties) contract',
  409,
)
/** The caller already signed this contract. 409. */
export const AlreadySigned = createError(
  'JOB_ERR_ALREADY_SIGNED',
  'You have already signed this contract',
  409,
)
/** The application already has a contract (a second accept, or a lost race). 409. */
export const ApplicationAlreadyHired = createError(
  'JOB_ERR_ALREADY_HIRED',
  'This application was already accepted; open its contract instead',
  409,
)
/** Every opening of the job already has a contract (a lost race, or the job is filled). 409. */
export const PositionFilled = createError(
  'JOB_ERR_POSITION_FILLED',
  'Every opening of this job is already filled; cancel a contract to free one',
  409,
)
/** The contract may not be cancelled now, by this party; the message says why. 409. */
export const CancellationNotAllowed = createError(
  'JOB_ERR_CANCEL_NOT_ALLOWED',
  'The contract cannot be cancelled: %s',
  409,
)
/** A party of the contract asked for a step that belongs to the other party. 403. */
export const NotYourStep = createError('JOB_ERR_NOT_YOUR_STEP', 'Only the %s of this contract may %s', 403)
/** Milestones (or money) that break a rule: amounts, currencies, due dates. 400 naming the field. */
export const InvalidMilestones = createError(
  'JOB_ERR_INVALID_MILESTONES',
  'The milestones are invalid: %s',
  400,
)

// ── The job and contract state machines together (src/domain/job-contracts.ts) ──────────────────

/**
 * A signature on a contract whose job is closed or cancelled: the job's end withdrew every offer
 * still awaiting signatures, so the contract is cancelled and can never activate. 409.
 */
export const JobEnded = createError(
  'JOB_ERR_JOB_ENDED',
  'This job is %s: its contracts awaiting signatures were withdrawn and none can be signed',
  409,
)
/**
 * Closing or cancelling a job on which a contract was signed by both parties (the job is in
 * progress; end the contract instead — `POST /api/contracts/:id/cancel`). The loser of the race
 * "close while the second signature lands" gets this when the signature won. 409.
 */
export const HireInProgress = createError(
  'JOB_ERR_HIRE_IN_PROGRESS',
  'Contract %s on this job is signed by both parties, so the job is in progress; end it through its contract',
  409,
)

// ── Invitations (src/services/invitations.ts, src/domain/job-visibility.ts) ─────────────────────

/**
 * Inviting a user the job service does not know as a worker (no worker profile in its read model
 * of the user service's `ProfileUpdated`, or a profile of another role). 404.
 */
export const WorkerNotFound = createError(
  'JOB_ERR_WORKER_NOT_FOUND',
  'No worker %s; invite a worker by the id of their profile (e.g. from GET /api/jobs/:id/recommended-workers)',
  404,
)
/** Inviting to a job that no longer takes applications (closed, cancelled, in progress, completed). 409. */
export const InvitationNotAllowed = createError(
  'JOB_ERR_INVITATION_NOT_ALLOWED',
  'This job is %s; invitations can only be sent while it is a draft or open',
  409,
)
