/**
 * The User aggregate's store and what every use case on it shares: the public view, the password
 * policy check, and the insert of a new account with its `UserRegistered` event (registration
 * and the admin CLI alike).
 */
import type { EventContext } from '@kelmah/contracts'
import { isDuplicateKey, type AggregateStore, type Clock, type StoreOptions } from '@kelmah/service-kit'
import { Types } from 'mongoose'
import { register } from '../domain/account.js'
import { passwordProblem } from '../domain/password-policy.js'
import { EmailTaken, UserNotFound, WeakPassword, withFields } from '../errors.js'
import { normaliseEmail, type OtpRecord, type Role, type UserDoc } from '../models/user.js'
import type { PasswordHasher } from '../passwords.js'
import type { SessionMeta } from './sessions.js'

/** The user store's options (`app.store(User, USER_STORE)`): problems name the `user`. */
export const USER_STORE = {
  name: 'user',
  notFound: () => new UserNotFound(),
} satisfies Pick<StoreOptions, 'name' | 'notFound'>

/** The user store. */
export type UserStore = AggregateStore<UserDoc>

/** What a client may see of a user. */
export interface PublicUser {
  id: string
  email: string
  name: string
  role: Role
  emailVerified: boolean
}

/** Request facts the use cases need: the event context (request id → `correlationId`) and session meta. */
export type RequestContext = EventContext & SessionMeta

/** The public view of a user document. */
export function toPublicUser(
  user: Pick<UserDoc, '_id' | 'email' | 'name' | 'role' | 'emailVerified'>,
): PublicUser {
  return {
    id: String(user._id),
    email: user.email,
    name: user.name,
    role: user.role,
    emailVerified: user.emailVerified,
  }
}

/**
 * Check a new password against the policy.
 *
 * @throws WeakPassword (400) naming `field` and the rule
 */
export function assertPasswordPolicy(password: string, email: string, field: string): void {
  const problem = passwordProblem(password, { email })
  if (problem) throw withFields(new WeakPassword(problem), [{ field, message: problem, in: 'body' }])
}

/** A user to create. */
export interface NewUser {
  email: string
  password: string
  name: string
  role: Role
  emailVerified: boolean
  /** The first verification code, stored in the same insert. */
  verifyCode?: OtpRecord
}

/**
 * Insert a user and its `UserRegistered` event (in the document's outbox, one write; the unique
 * email is the commit point). Shared by registration and the admin CLI; a store with a relay
 * publishes the event at once, the CLI's is published by the running service's outbox sweep.
 *
 * @throws WeakPassword (400) when the password breaks the policy, EmailTaken (409) when the email has an account
 */
export async function insertUser(
  deps: { users: UserStore; hasher: PasswordHasher; now: Clock },
  input: NewUser,
  ctx: EventContext,
): Promise<UserDoc> {
  const email = normaliseEmail(input.email)
  assertPasswordPolicy(input.password, email, 'password')
  const passwordHash = await deps.hasher.hash(input.password)
  const { doc, events } = register(
    {
      _id: new Types.ObjectId(),
      email,
      name: input.name.trim(),
      role: input.role,
      passwordHash,
      emailVerified: input.emailVerified,
      verifyCode: input.verifyCode,
    },
    deps.now(),
    ctx,
  )
  try {
    return await deps.users.create(doc, events)
  } catch (err) {
    if (isDuplicateKey(err)) throw new EmailTaken()
    throw err
  }
}
