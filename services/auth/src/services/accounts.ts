/**
 * The auth use cases — register, verify email, log in, refresh, log out, password reset and
 * change — on top of the user store, sessions, one-time codes and the lockout. Each reads "load,
 * decide with `domain/`, store"; routes only map HTTP to these methods.
 */
import { withRetryAfter, type Clock } from '@kelmah/service-kit'
import type { FastifyBaseLogger } from 'fastify'
import { Types, type Model } from 'mongoose'
import { changePassword, resetPassword, verifyEmail } from '../domain/account.js'
import { retryAfterSeconds } from '../domain/lockout.js'
import { isSuspended } from '../domain/suspension.js'
import {
  AccountSuspended,
  BadCredentials,
  EmailTaken,
  LoginThrottled,
  OtpCooldown,
  OtpInvalid,
  RefreshInvalid,
  UserNotFound,
  WeakPassword,
  withFields,
  WrongPassword,
} from '../errors.js'
import { normaliseEmail, type UserDoc } from '../models/user.js'
import type { PasswordHasher } from '../passwords.js'
import type { AccessTokenSubject } from '../tokens.js'
import type { LoginThrottle } from './login-throttle.js'
import type { OtpCodes } from './otp-codes.js'
import type { SessionStore } from './sessions.js'
import {
  assertPasswordPolicy,
  insertUser,
  toPublicUser,
  type NewUser,
  type PublicUser,
  type RequestContext,
  type UserStore,
} from './users.js'

/** A signed-in answer: the user and a fresh token pair. */
export interface AuthResult {
  user: PublicUser
  accessToken: string
  refreshToken: string
}

/** Collaborators of {@link Accounts}. */
export interface AccountsDeps {
  users: UserStore
  sessions: SessionStore
  otp: OtpCodes
  throttle: LoginThrottle
  hasher: PasswordHasher
  signAccessToken: (subject: AccessTokenSubject) => string
  /**
   * Void every access token of the user issued until now (the revocation mark and notice,
   * `@kelmah/service-kit` src/revocation.ts).
   */
  revokeTokens: (userId: string) => Promise<void>
  /** Mail the owner of `email` that sign-ins keep failing (in the background). */
  loginAlert: (email: string) => void
  now: Clock
  log: FastifyBaseLogger
}

/** An error that tells the client when to come back (rendered as `Retry-After`). */
export type RetryAfterError = Error & { retryAfterS: number }

const retryAfter = withRetryAfter

/** The auth use cases. */
export class Accounts {
  readonly #d: AccountsDeps

  constructor(deps: AccountsDeps) {
    this.#d = deps
  }

  /**
   * Create a hirer or worker account, mail a verification code and sign in. The user and its
   * `UserRegistered` event are written in one insert.
   *
   * @throws WeakPassword (400), EmailTaken (409)
   */
  async register(
    input: { email: string; password: string; name: string; role: 'hirer' | 'worker' },
    ctx: RequestContext,
  ): Promise<AuthResult> {
    const email = normaliseEmail(input.email)
    assertPasswordPolicy(input.password, email, 'password')
    const { otp } = this.#d
    if (await this.#User.exists({ email })) throw new EmailTaken() // cheap early answer; the unique index decides races
    const { code, record } = otp.fresh('verify', email)
    const user = await this.createUser(
      {
        email,
        password: input.password,
        name: input.name.trim(),
        role: input.role,
        emailVerified: false,
        verifyCode: record,
      },
      ctx,
    )
    await otp.claimSend('verify', email, true)
    otp.mail(email, 'verify', code)
    return this.#signIn(user, ctx)
  }

  /**
   * Insert a user with its `UserRegistered` event in the outbox (the store relays it).
   *
   * @throws WeakPassword (400), EmailTaken (409) when the email has an account
   */
  async createUser(input: NewUser, ctx: RequestContext): Promise<UserDoc> {
    return insertUser(this.#d, input, ctx)
  }

  /**
   * Mark the email verified with a mailed code; emits `EmailVerified` in the same write.
   *
   * @throws OtpInvalid, OtpExpired, OtpExhausted (400)
   */
  async verifyEmail(input: { email: string; code: string }, ctx: RequestContext): Promise<PublicUser> {
    const email = normaliseEmail(input.email)
    const user = await this.#byEmail(email)
    if (!user) throw new OtpInvalid('')
    const hash = await this.#d.otp.redeem(user, 'verify', input.code)
    const verified = await this.#d.users.change(
      user._id,
      (current) => verifyEmail(current, hash, this.#d.now(), ctx),
      { current: user, guard: { 'otp.verify.hash': hash }, missing: () => new OtpInvalid('') },
    )
    return toPublicUser(verified)
  }

  /**
   * Mail a new verification code (the old one stops working) when `email` has an unverified
   * account; silently nothing otherwise.
   *
   * @throws OtpCooldown (429, with `retryAfterS`) when a code went to this address moments ago
   */
  async resendVerification(input: { email: string }): Promise<void> {
    const email = normaliseEmail(input.email)
    const wait = await this.#d.otp.claimSend('verify', email)
    if (wait > 0) throw retryAfter(new OtpCooldown(wait), wait)
    const user = await this.#User
      .findOne({ email, emailVerified: false }, { _id: 1, email: 1 })
      .lean<Pick<UserDoc, '_id' | 'email'>>()
    if (user) await this.#d.otp.issue(user, 'verify', { emailVerified: false })
  }

  /**
   * Sign in with email and password. Unknown email and wrong password fail alike, in about the
   * same time. Failures slow down the (email, source) pair with growing delays and, past a much
   * higher ceiling, the email from every source; nothing locks the owner out (domain/lockout.ts).
   * The owner is mailed once per episode. A suspended account is told so only after the right
   * password.
   *
   * @throws LoginThrottled (429, with `retryAfterS`), BadCredentials (401), AccountSuspended (403)
   */
  async login(input: { email: string; password: string }, ctx: RequestContext): Promise<AuthResult> {
    const email = normaliseEmail(input.email)
    const source = ctx.ip ?? 'unknown'
    const { throttle, hasher } = this.#d
    const waitMs = await throttle.waitMs(email, source)
    if (waitMs > 0) {
      const s = retryAfterSeconds(waitMs)
      throw retryAfter(new LoginThrottled(s), s)
    }
    const user = await this.#byEmail(email)
    const ok = user
      ? await hasher.verify(user.passwordHash, input.password)
      : await hasher.dummyVerify(input.password)
    if (!user || !ok) {
      const { alert } = await throttle.recordFailure(email, source)
      if (alert && user) this.#d.loginAlert(user.email)
      throw new BadCredentials()
    }
    await throttle.clear(email, source)
    if (isSuspended(user)) throw new AccountSuspended()
    return this.#signIn(user, ctx)
  }

  /**
   * Swap a refresh token for a new pair (see `SessionStore.rotate`). A suspended account's
   * session ends here.
   *
   * @throws RefreshInvalid, RefreshReused (401), AccountSuspended (403)
   */
  async refresh(input: { refreshToken: string }): Promise<AuthResult> {
    const { session, refreshToken } = await this.#d.sessions.rotate(input.refreshToken)
    const user = await this.#byId(session.userId)
    if (!user) {
      await this.#d.sessions.revoke(session._id, session.userId, 'logout')
      throw new RefreshInvalid()
    }
    if (isSuspended(user)) {
      await this.#d.sessions.revoke(session._id, session.userId, 'logout')
      throw new AccountSuspended()
    }
    return { user: toPublicUser(user), accessToken: this.#access(user, session._id), refreshToken }
  }

  /** End the session of the refresh token given, or else the access token's session. Idempotent. */
  async logout(userId: string, sid: string | undefined, refreshToken: string | undefined): Promise<void> {
    if (refreshToken) await this.#d.sessions.revokeByToken(refreshToken, userId, 'logout')
    else if (sid) await this.#d.sessions.revoke(sid, userId, 'logout')
  }

  /** End every session of the user and void every access token issued so far. */
  async logoutAll(userId: string): Promise<void> {
    await this.#d.sessions.revokeAll(userId, 'logout-all')
    await this.#d.revokeTokens(userId)
  }

  /** The user's public view. @throws UserNotFound (404) */
  async me(userId: string): Promise<PublicUser> {
    const user = await this.#byId(userId)
    if (!user) throw new UserNotFound()
    return toPublicUser(user)
  }

  /**
   * Mail a password-reset code when `email` has an account. Always answers the same way; during
   * the mail cooldown nothing is sent (the code mailed before keeps working).
   */
  async forgotPassword(input: { email: string }): Promise<void> {
    const email = normaliseEmail(input.email)
    if ((await this.#d.otp.claimSend('reset', email)) > 0) return
    const user = await this.#User
      .findOne({ email }, { _id: 1, email: 1 })
      .lean<Pick<UserDoc, '_id' | 'email'>>()
    if (user) await this.#d.otp.issue(user, 'reset')
  }

  /**
   * Set a new password with a mailed reset code; ends every session, voids every access token,
   * lifts the account-wide login slowdown and the delay of the resetting source, and emits `PasswordChanged` (reason `reset`) in the
   * same write.
   *
   * @throws WeakPassword, OtpInvalid, OtpExpired, OtpExhausted (400)
   */
  async resetPassword(
    input: { email: string; code: string; newPassword: string },
    ctx: RequestContext,
  ): Promise<void> {
    const email = normaliseEmail(input.email)
    assertPasswordPolicy(input.newPassword, email, 'newPassword')
    const user = await this.#byEmail(email)
    if (!user) throw new OtpInvalid('')
    const redeemedHash = await this.#d.otp.redeem(user, 'reset', input.code)
    // The new password is hashed only once the code proved good (no hashing work for guesses).
    const passwordHash = await this.#d.hasher.hash(input.newPassword)
    await this.#d.users.change(
      user._id,
      (current) => resetPassword(current, { redeemedHash, passwordHash }, this.#d.now(), ctx),
      { current: user, guard: { 'otp.reset.hash': redeemedHash }, missing: () => new OtpInvalid('') },
    )
    await this.#d.sessions.revokeAll(String(user._id), 'password-reset')
    await this.#d.revokeTokens(String(user._id))
    await this.#d.throttle.unlock(email, ctx.ip ?? 'unknown')
  }

  /**
   * Change the password, knowing the current one; ends every other session, voids every access
   * token issued so far (the caller's too: its session lives on, so it refreshes) and emits
   * `PasswordChanged` (reason `change`) in the same write.
   *
   * @throws WrongPassword (400, field `currentPassword`), WeakPassword (400), UserNotFound (404),
   *   Conflict (409) when the password changed concurrently
   */
  async changePassword(
    userId: string,
    sid: string | undefined,
    input: { currentPassword: string; newPassword: string },
    ctx: RequestContext,
  ): Promise<void> {
    const user = await this.#byId(userId)
    if (!user) throw new UserNotFound()
    if (!(await this.#d.hasher.verify(user.passwordHash, input.currentPassword))) {
      throw withFields(new WrongPassword(), [{ field: 'currentPassword', message: 'is wrong', in: 'body' }])
    }
    assertPasswordPolicy(input.newPassword, user.email, 'newPassword')
    if (input.newPassword === input.currentPassword) {
      const message = 'must differ from the current password'
      throw withFields(new WeakPassword(message), [{ field: 'newPassword', message, in: 'body' }])
    }
    const passwordHash = await this.#d.hasher.hash(input.newPassword)
    const change = { knownHash: user.passwordHash, passwordHash }
    await this.#d.users.change(user._id, (current) => changePassword(current, change, this.#d.now(), ctx), {
      current: user,
    })
    await this.#d.sessions.revokeAll(userId, 'password-change', sid)
    await this.#d.revokeTokens(userId)
  }

  /** True when the access token's session is still live. */
  async sessionIsLive(sid: string, userId: string): Promise<boolean> {
    return this.#d.sessions.isLive(sid, userId)
  }

  /** The user model, for reads (writes go through the store). */
  get #User(): Model<UserDoc> {
    return this.#d.users.model as Model<UserDoc>
  }

  /** The user with `email` (normalised), without its outbox, or null. */
  async #byEmail(email: string): Promise<UserDoc | null> {
    return this.#User.findOne({ email }, { outbox: 0 }).lean<UserDoc>()
  }

  /** The user with id `userId`, without its outbox, or null (also for a malformed id). */
  async #byId(userId: string): Promise<UserDoc | null> {
    return Types.ObjectId.isValid(userId) ? this.#User.findById(userId, { outbox: 0 }).lean<UserDoc>() : null
  }

  async #signIn(user: UserDoc, ctx: RequestContext): Promise<AuthResult> {
    const { session, refreshToken } = await this.#d.sessions.start(String(user._id), ctx)
    return { user: toPublicUser(user), accessToken: this.#access(user, session._id), refreshToken }
  }

  #access(user: UserDoc, sid: string): string {
    return this.#d.signAccessToken({
      sub: String(user._id),
      role: user.role,
      emailVerified: user.emailVerified,
      sid,
    })
  }
}
