/**
 * One-time codes in the User document (`otp.verify`, `otp.reset`), per the rules in
 * `domain/otp.ts`: issue (stored as an HMAC, mailed), redeem (tries counted, single use), and a
 * per-address mail cooldown.
 *
 * Tries and single use are decided in Redis (`INCR`, `SET NX`), which is atomic, rather than by
 * guarded updates of the User document: FerretDB 1.24 does not isolate concurrent updates of one
 * document, so concurrent guesses could lose counts there.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { AggregateStore, Clock } from '@kelmah/service-kit'
import { issueCode } from '../domain/account.js'
import {
  attemptsLeft,
  generateOtp,
  isExhausted,
  otpExpiry,
  otpStatus,
  type OtpPolicy,
  type OtpPurpose,
} from '../domain/otp.js'
import { OtpExhausted, OtpExpired, OtpInvalid } from '../errors.js'
import type { Mailer } from '../mail.js'
import type { OtpRecord, UserDoc } from '../models/user.js'

/** Options of {@link OtpCodes}. */
export interface OtpCodesOptions {
  /** The user store (codes live in the User document). */
  users: AggregateStore<UserDoc>
  redis: Redis
  /** Redis key namespace. */
  prefix: string
  policy: OtpPolicy
  /** Seconds between two code mails to one address. */
  cooldownS: number
  /** Key of the code HMAC (a leaked database alone does not give the codes away). */
  hmacKey: Buffer
  mailer: Mailer
  /** The service clock. */
  now: Clock
}

const short = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32)

/** Issues, checks and redeems one-time codes. */
export class OtpCodes {
  readonly #o: OtpCodesOptions

  constructor(opts: OtpCodesOptions) {
    this.#o = opts
  }

  /** The stored form of `code`: HMAC-SHA256 over purpose, email and code, base64url. */
  hash(purpose: OtpPurpose, email: string, code: string): string {
    return createHmac('sha256', this.#o.hmacKey).update(`${purpose}:${email}:${code}`).digest('base64url')
  }

  /** A new code and the record to store for it. */
  fresh(purpose: OtpPurpose, email: string): { code: string; record: OtpRecord } {
    const code = generateOtp()
    const expiresAt = otpExpiry(this.#o.now().getTime(), this.#o.policy)
    return { code, record: { hash: this.hash(purpose, email, code), expiresAt } }
  }

  /** Mail `code` to `email` (in the background). */
  mail(email: string, purpose: OtpPurpose, code: string): void {
    this.#o.mailer.sendOtp(email, purpose, code, Math.round(this.#o.policy.ttlMs / 60_000))
  }

  /**
   * Claim the right to mail a code for `purpose` to `email` now. The cooldown is per address,
   * whether or not an account has it, so it reveals nothing.
   *
   * @param force - start a new cooldown even if one is running (registration always mails)
   * @returns 0 when claimed, otherwise seconds until a mail may be sent
   */
  async claimSend(purpose: OtpPurpose, email: string, force = false): Promise<number> {
    const key = `${this.#o.prefix}otp-cooldown:${purpose}:${short(email)}`
    if (force) {
      await this.#o.redis.set(key, '1', 'EX', this.#o.cooldownS)
      return 0
    }
    const claimed = await this.#o.redis.set(key, '1', 'EX', this.#o.cooldownS, 'NX')
    if (claimed === 'OK') return 0
    return Math.max(1, await this.#o.redis.ttl(key))
  }

  /**
   * Replace the user's code for `purpose` with a new one and mail it. Extra guards (e.g. "not
   * yet verified") go in `filter`.
   *
   * @returns true when a code was stored and mailed
   */
  async issue(
    user: Pick<UserDoc, '_id' | 'email'>,
    purpose: OtpPurpose,
    filter: Record<string, unknown> = {},
  ): Promise<boolean> {
    const { code, record } = this.fresh(purpose, user.email)
    if (!(await this.#o.users.write({ ...filter, _id: user._id }, issueCode(purpose, record)))) return false
    this.mail(user.email, purpose, code)
    return true
  }

  /**
   * Redeem `code`: every try counts (right or wrong) before the comparison; after `maxAttempts`
   * tries the code is dead. A right code works once: the first redeemer claims it in Redis. The
   * caller then applies the change it authorises and removes the code in one store write (see
   * `domain/account.ts`), guarded by the returned hash.
   *
   * @param user - the account, with its outstanding codes
   * @returns the stored hash of the redeemed code
   * @throws OtpInvalid (wrong, used or never sent), OtpExpired, OtpExhausted — all 400
   */
  async redeem(user: Pick<UserDoc, 'email' | 'otp'>, purpose: OtpPurpose, code: string): Promise<string> {
    const { policy, redis, prefix } = this.#o
    const state = user.otp?.[purpose]
    const status = otpStatus(state, this.#o.now().getTime())
    if (status === 'expired') throw new OtpExpired()
    if (status === 'none' || !state) throw new OtpInvalid('')

    const ttlS = Math.ceil(policy.ttlMs / 1000)
    const triesKey = `${prefix}otp-tries:${short(state.hash)}`
    const res = await redis.multi().incr(triesKey).expire(triesKey, ttlS).exec()
    const tries = Number(res?.[0]?.[1] ?? Number.POSITIVE_INFINITY)
    if (isExhausted(tries, policy)) throw new OtpExhausted()
    const given = Buffer.from(this.hash(purpose, user.email, code))
    const stored = Buffer.from(state.hash)
    if (given.length !== stored.length || !timingSafeEqual(given, stored)) {
      const left = attemptsLeft(tries, policy)
      throw new OtpInvalid(
        left === 0
          ? '; no attempts are left, ask for a new code'
          : `; ${left} ${left === 1 ? 'attempt is' : 'attempts are'} left`,
      )
    }
    const claimed = await redis.set(`${prefix}otp-used:${short(state.hash)}`, '1', 'EX', ttlS, 'NX')
    if (claimed !== 'OK') throw new OtpInvalid('')
    return state.hash
  }
}
