/**
 * Login lockout: after `maxFailures` failed logins for one email within `windowS`, every login
 * for that email is refused for `lockoutS`, even with the right password (OWASP Authentication
 * Cheat Sheet, "Account Lockout"). Counting is per email, whether or not the account exists, so
 * the lock itself tells nothing about which emails are registered.
 *
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#account-lockout
 */

/** Thresholds of the lockout. */
export interface LockoutPolicy {
  /** Failed logins within the window that lock the account. */
  maxFailures: number
  /** Seconds a failure is counted for (from the first failure of the window). */
  windowS: number
  /** Seconds the account stays locked. */
  lockoutS: number
}

/** True when `failures` failed logins within the window must lock the account. */
export function shouldLock(failures: number, policy: LockoutPolicy): boolean {
  return failures >= policy.maxFailures
}

/**
 * The `Retry-After` value (whole seconds, at least 1) for a lock that ends in `remainingMs`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 */
export function retryAfterSeconds(remainingMs: number): number {
  return Math.max(1, Math.ceil(remainingMs / 1000))
}
