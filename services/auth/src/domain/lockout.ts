/**
 * Login throttling that keeps brute force out without handing attackers a lock (issue 14, item 7).
 *
 * A plain per-account lockout ("5 failures from anywhere lock the account") lets anyone lock
 * anyone out. OWASP's Authentication Cheat Sheet ("Account Lockout"; "Protect Against Automated
 * Attacks") asks instead that the counter be tied to the account *and* what the attacker
 * controls, that delays grow (exponential back-off) rather than lock, and that the owner be told.
 * So:
 *
 * 1. **Per (account, source) pair** — the source is the client IP (`request.ip`, behind the
 *    gateway only with `TRUST_PROXY` naming it). After `maxFailures` failures of the pair within
 *    `windowS`, each further attempt from that pair waits `baseDelayS · 2^(n − maxFailures)`
 *    seconds, capped at `lockoutS`: {@link pairDelayMs}. The right password from another source
 *    is not delayed at all. A success from the pair clears it.
 * 2. **Per account, across sources** — a much higher ceiling, `accountCeiling` failures within the
 *    window, after which the account takes at most one attempt per spacing from anyone, the
 *    spacing doubling with every further `accountCeiling` failures up to `accountMaxSpacingS`:
 *    {@link accountSpacingMs}. A distributed attack is slowed to a crawl; the owner still gets
 *    in, after at most `accountMaxSpacingS`.
 * 3. **The owner is told** by mail when either threshold is first reached in a window (one mail
 *    per episode): {@link shouldAlert}.
 *
 * Counting is per email whether or not the account exists, so answers tell nothing about which
 * emails are registered (the alert mail goes only to existing accounts, in the background).
 *
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#account-lockout
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#protect-against-automated-attacks
 */

/** Thresholds of the throttle. */
export interface LockoutPolicy {
  /** Failures of one (account, source) pair within the window before delays start. */
  maxFailures: number
  /** Seconds a failure is counted for (from the first failure of the window). */
  windowS: number
  /** The longest delay of one (account, source) pair, seconds. */
  lockoutS: number
  /** The first delay of a pair, seconds (doubling per further failure). Default 1. */
  baseDelayS?: number
  /** Failures of one account from all sources within the window before it is slowed. Default 50. */
  accountCeiling?: number
  /** The longest spacing between attempts on a slowed account, seconds. Default 30. */
  accountMaxSpacingS?: number
}

/** The defaults of the optional thresholds. */
export const LOCKOUT_DEFAULTS = { baseDelayS: 1, accountCeiling: 50, accountMaxSpacingS: 30 } as const

/**
 * Milliseconds the pair must wait after its `failures`-th failure in the window: 0 below
 * `maxFailures`, then `baseDelayS · 2^(failures − maxFailures)` s, at most `lockoutS`.
 */
export function pairDelayMs(failures: number, policy: LockoutPolicy): number {
  if (failures < policy.maxFailures) return 0
  const base = (policy.baseDelayS ?? LOCKOUT_DEFAULTS.baseDelayS) * 1000
  const exponent = Math.min(failures - policy.maxFailures, 40)
  return Math.min(policy.lockoutS * 1000, base * 2 ** exponent)
}

/**
 * Milliseconds between two attempts on an account with `failures` failures (all sources) in the
 * window: 0 below `accountCeiling`, then 1 s doubling per further `accountCeiling` failures, at
 * most `accountMaxSpacingS`.
 */
export function accountSpacingMs(failures: number, policy: LockoutPolicy): number {
  const ceiling = policy.accountCeiling ?? LOCKOUT_DEFAULTS.accountCeiling
  if (failures < ceiling) return 0
  const max = (policy.accountMaxSpacingS ?? LOCKOUT_DEFAULTS.accountMaxSpacingS) * 1000
  const exponent = Math.min(Math.floor((failures - ceiling) / ceiling), 40)
  return Math.min(max, 1000 * 2 ** exponent)
}

/** True when this failure reaches a threshold: the owner should hear of it (once per window). */
export function shouldAlert(pairFailures: number, accountFailures: number, policy: LockoutPolicy): boolean {
  return (
    pairFailures === policy.maxFailures ||
    accountFailures === (policy.accountCeiling ?? LOCKOUT_DEFAULTS.accountCeiling)
  )
}

/**
 * The `Retry-After` value (whole seconds, at least 1) for a wait that ends in `remainingMs`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 */
export function retryAfterSeconds(remainingMs: number): number {
  return Math.max(1, Math.ceil(remainingMs / 1000))
}
