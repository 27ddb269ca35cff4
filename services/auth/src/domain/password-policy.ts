/**
 * Password rules, checked on register, reset and change. The rules follow NIST SP 800-63B §5.1.1.2
 * in spirit (length over composition, refuse context-specific words such as the user's email)
 * with one composition rule the product asked for: not all of one character class.
 *
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#memsecret
 */

/** Fewest characters a password may have. */
export const PASSWORD_MIN_LENGTH = 10
/** Most characters a password may have (bounds the hashing work one request can cause). */
export const PASSWORD_MAX_LENGTH = 256

/** The character classes counted by the "not all one class" rule. */
export type CharClass = 'lower' | 'upper' | 'digit' | 'other'

/** The class of one character (Unicode-aware: `é` is lower case, `٣` is a digit). */
export function charClass(ch: string): CharClass {
  if (/\p{Ll}/u.test(ch)) return 'lower'
  if (/\p{Lu}/u.test(ch)) return 'upper'
  if (/\p{Nd}/u.test(ch)) return 'digit'
  return 'other'
}

/**
 * Check a password against the policy.
 *
 * @param password - the candidate, as typed
 * @param context.email - the account's email; the password may not be it nor its local part
 * @returns `null` when acceptable, otherwise a sentence naming the broken rule (safe to show)
 */
export function passwordProblem(password: string, context: { email?: string } = {}): string | null {
  const length = [...password].length
  if (length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters long`
  if (length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters long`
  const classes = new Set([...password].map(charClass))
  if (classes.size < 2)
    return 'must mix at least two kinds of characters (lower case, upper case, digits, symbols)'
  if (context.email) {
    const email = context.email.trim().toLowerCase()
    const local = email.split('@')[0] ?? ''
    const candidate = password.trim().toLowerCase()
    if (candidate === email || (local.length > 0 && candidate === local))
      return 'must not be your email address'
  }
  return null
}
