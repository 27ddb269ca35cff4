/**
 * The user service's error catalogue (docs/conventions.md, Errors). Codes are prefixed
 * `USER_ERR_`; messages name the fix. Rendered as RFC 9457 problem details by service-kit; errors carrying field errors
 * (`withFields`) list the offending fields in `errors[]`.
 */
import createError from '@fastify/error'

/** Field errors are rendered by service-kit's shared problem handler. */
export { withFields, type FieldError } from '@kelmah/service-kit'

/** Unknown user id, or a deactivated profile. 404. */
export const ProfileNotFound = createError('USER_ERR_PROFILE_NOT_FOUND', 'No profile with this id', 404)
/** A value the schema allows but the rules refuse (bad country, time zone, role field…); `errors[]` names it. 400. */
export const InvalidField = createError('USER_ERR_INVALID_FIELD', '%s', 400)
/** A field of the other role's profile (`company` on a worker, `skills` on a hirer). 400. */
export const FieldNotForRole = createError('USER_ERR_FIELD_NOT_FOR_ROLE', '%s', 400)
/** Unknown portfolio item id in the caller's own portfolio. 404. */
export const PortfolioItemNotFound = createError(
  'USER_ERR_PORTFOLIO_ITEM_NOT_FOUND',
  'No portfolio item with this id in your portfolio',
  404,
)
/** The portfolio already holds the maximum number of items. 409. */
export const PortfolioFull = createError(
  'USER_ERR_PORTFOLIO_FULL',
  'The portfolio holds at most %d items; delete one first',
  409,
)
/** The account was deactivated: its profile is read-only. 403. */
export const ProfileDeactivated = createError(
  'USER_ERR_PROFILE_DEACTIVATED',
  'This account is deactivated; its profile can no longer be changed',
  403,
)
/** Concurrent edits kept winning the race; the client should reload and retry. 409. */
export const EditConflict = createError(
  'USER_ERR_EDIT_CONFLICT',
  'The profile changed while saving; reload it and try again',
  409,
)
