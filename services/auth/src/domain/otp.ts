/**
 * One-time codes (email verification, password reset): 6 digits, a limited life, a limited
 * number of wrong guesses, single use. Only a keyed hash of a code is ever stored.
 *
 * With 10^6 codes, 5 guesses per code and a fresh code at most once a minute, an attacker's
 * chance per code is 5 in a million (OWASP Forgot Password Cheat Sheet: single use, expiring,
 * rate limited).
 *
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html
 */
import { randomInt } from 'node:crypto'

/** Digits in a code. */
export const OTP_DIGITS = 6
const OTP_PATTERN = /^\d{6}$/

/** What a code is for; a code for one purpose never works for the other. */
export type OtpPurpose = 'verify' | 'reset'

/** Life and guess limits of codes. */
export interface OtpPolicy {
  /** Lifetime of a code, milliseconds. */
  ttlMs: number
  /** Wrong guesses after which the code is dead. */
  maxAttempts: number
}

/** The stored state of an outstanding code. */
export interface OtpState {
  /** Keyed hash of the code (never the code). */
  hash: string
  expiresAt: Date
}

/** Where an outstanding code stands by its age. */
export type OtpStatus = 'none' | 'expired' | 'live'

/** A fresh, uniformly random 6-digit code (leading zeros kept), from the CSPRNG. */
export function generateOtp(): string {
  return randomInt(0, 10 ** OTP_DIGITS)
    .toString()
    .padStart(OTP_DIGITS, '0')
}

/** True when `code` has the shape of a code (exactly 6 ASCII digits). */
export function isWellFormedOtp(code: string): boolean {
  return OTP_PATTERN.test(code)
}

/** When a code issued at `now` (ms since the epoch) expires. */
export function otpExpiry(now: number, policy: OtpPolicy): Date {
  return new Date(now + policy.ttlMs)
}

/** Where `state` stands at `now` (ms since the epoch): none outstanding, expired, or live. */
export function otpStatus(state: OtpState | null | undefined, now: number): OtpStatus {
  if (!state?.hash) return 'none'
  if (state.expiresAt.getTime() <= now) return 'expired'
  return 'live'
}

/**
 * True when the `attempt`-th try at a code (1-based, counted before the code is compared, right
 * or wrong) comes after the allowed number: after `maxAttempts` wrong tries the code is dead.
 */
export function isExhausted(attempt: number, policy: OtpPolicy): boolean {
  return attempt > policy.maxAttempts
}

/** Tries still allowed after `attempts` tries (never below zero). */
export function attemptsLeft(attempts: number, policy: OtpPolicy): number {
  return Math.max(0, policy.maxAttempts - attempts)
}
