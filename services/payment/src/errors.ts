/**
 * The payment service's error catalogue (docs/conventions.md, Errors). Codes are prefixed
 * `PAYMENT_ERR_`; messages name the fix. Rendered as RFC 9457 problem details by service-kit.
 */
import createError from '@fastify/error'

export { withFields, type FieldError } from '@kelmah/service-kit'

/** No contract the caller is a party to (or one this service has not heard of). 404. */
export const ContractNotFound = createError('PAYMENT_ERR_CONTRACT_NOT_FOUND', 'No contract %s', 404)
/** The milestone is not part of the contract. 404. */
export const MilestoneNotFound = createError(
  'PAYMENT_ERR_MILESTONE_NOT_FOUND',
  'No milestone %s in this contract',
  404,
)
/** No escrow the caller may see. 404. */
export const EscrowNotFound = createError('PAYMENT_ERR_ESCROW_NOT_FOUND', 'No escrow %s', 404)
/** No dispute the caller may see. 404. */
export const DisputeNotFound = createError('PAYMENT_ERR_DISPUTE_NOT_FOUND', 'No dispute %s', 404)
/** Only the contract's hirer funds its milestones. 403. */
export const NotTheHirer = createError(
  'PAYMENT_ERR_NOT_THE_HIRER',
  'Only the hirer of this contract can fund its milestones',
  403,
)
/** The contract is not active (not signed yet, cancelled, completed) — or not known here yet. 409. */
export const ContractNotActive = createError(
  'PAYMENT_ERR_CONTRACT_NOT_ACTIVE',
  'The contract is %s; only an active (signed) contract can be funded. A contract signed a moment ago may take a second to reach the payment service: try again',
  409,
)
/** The milestone is funded, being funded, or settled. 409. */
export const MilestoneAlreadyFunded = createError(
  'PAYMENT_ERR_ALREADY_FUNDED',
  'The milestone already has escrow %s (%s); to retry a funding request, send the same Idempotency-Key',
  409,
)
/** `Idempotency-Key` is missing or malformed. 400. */
export const IdempotencyKeyRequired = createError(
  'PAYMENT_ERR_IDEMPOTENCY_KEY_REQUIRED',
  'This request moves money: send an Idempotency-Key header (1–255 visible ASCII characters, e.g. a UUID) and reuse it when you retry',
  400,
)
/** The key was used before with another request. 422. */
export const IdempotencyKeyReused = createError(
  'PAYMENT_ERR_IDEMPOTENCY_KEY_REUSED',
  'This Idempotency-Key was used for a different request; use a new key for a new request',
  422,
)
/** The first request with this key is still being processed. 409. */
export const IdempotencyKeyInFlight = createError(
  'PAYMENT_ERR_IDEMPOTENCY_KEY_IN_FLIGHT',
  'A request with this Idempotency-Key is still being processed; retry in a few seconds',
  409,
)
/** A payout above the available balance. 409. */
export const InsufficientFunds = createError(
  'PAYMENT_ERR_INSUFFICIENT_FUNDS',
  'The wallet holds %s available; ask for at most that',
  409,
)
/** A payout before the worker created a payout account. 409. */
export const PayoutAccountMissing = createError(
  'PAYMENT_ERR_PAYOUT_ACCOUNT_MISSING',
  'Create a payout account first: POST /api/wallet/payout-account',
  409,
)
/** The worker has no payout account yet. 404. */
export const PayoutAccountNotFound = createError(
  'PAYMENT_ERR_PAYOUT_ACCOUNT_NOT_FOUND',
  'No payout account yet: POST /api/wallet/payout-account creates it',
  404,
)
/** Only workers receive payouts. 403. */
export const WorkersOnly = createError(
  'PAYMENT_ERR_WORKERS_ONLY',
  'Only workers have payout accounts and payouts',
  403,
)
/** The Stripe webhook signature is missing, wrong, too old or in the future. 400. */
export const BadWebhookSignature = createError(
  'PAYMENT_ERR_WEBHOOK_SIGNATURE',
  'The Stripe-Signature does not verify: %s',
  400,
)
/** Stripe could not be reached or failed; nothing was half-written, retry with the same key. 502. */
export const StripeUnavailable = createError(
  'PAYMENT_ERR_STRIPE_UNAVAILABLE',
  'Stripe did not complete the request (%s); nothing was charged twice — send the same request again (with the same Idempotency-Key where it takes one)',
  502,
)
/** Stripe refused the request for good (a bad destination account, an invalid amount). 422. */
export const StripeRefused = createError('PAYMENT_ERR_STRIPE_REFUSED', 'Stripe refused the request: %s', 422)
/** A dispute that cannot be raised now (the milestone is not funded, or is already settled/disputed). 409. */
export const DisputeNotAllowed = createError(
  'PAYMENT_ERR_DISPUTE_NOT_ALLOWED',
  'The milestone cannot be disputed: %s',
  409,
)
/** A party of the contract only. 403. */
export const NotAParty = createError(
  'PAYMENT_ERR_NOT_A_PARTY',
  'Only the hirer and the worker of this contract can do this',
  403,
)
/** Admins only. 403. */
export const AdminsOnly = createError('PAYMENT_ERR_ADMINS_ONLY', 'Only an admin can do this', 403)
/** The dispute is already resolved, or its escrow was settled before. 409. */
export const DisputeClosed = createError(
  'PAYMENT_ERR_DISPUTE_CLOSED',
  'The dispute cannot be resolved: %s',
  409,
)
/** A split amount outside (0, escrow). 400. */
export const InvalidSplit = createError('PAYMENT_ERR_INVALID_SPLIT', 'The split is invalid: %s', 400)
/** A money value out of bounds. 400. */
export const InvalidAmount = createError('PAYMENT_ERR_INVALID_AMOUNT', 'The amount is invalid: %s', 400)
