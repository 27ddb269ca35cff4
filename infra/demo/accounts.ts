/**
 * Accounts as a person makes them, through the SDK (`@kelmah/sdk`): register, read the code from
 * the mail, verify, sign in. The result is an {@link Account}: one SDK client signed in as that
 * user, which renews its access token by itself (refresh-token rotation, one refresh in flight).
 */
import { type Kelmah, ok, type SessionUser } from '@kelmah/sdk'
import { waitForOtp } from './mail.js'

/** One signed-in user: the SDK client holding their session. */
export class Account {
  constructor(readonly kelmah: Kelmah) {}

  /** The signed-in user (as the last sign-in or refresh answered). @throws Error when signed out */
  get user(): SessionUser {
    const user = this.kelmah.session?.user
    if (!user) throw new Error('the account is signed out')
    return user
  }

  /** The user id. */
  get id(): string {
    return this.user.id
  }
}

/** What {@link signUp} needs. */
export interface SignUpInput {
  email: string
  password: string
  name: string
  role: 'hirer' | 'worker'
}

/**
 * Register, verify the email with the mailed code, and sign in (the sign-in token carries
 * `emailVerified: true`, which posting jobs and applying require). A verification that did not
 * stick is done again with a resent code.
 *
 * @param kelmah - a new, signed-out SDK client: it becomes this user's
 * @param maildevUrl - MailDev's base URL, where the code is read
 * @throws KelmahProblem when a step is refused
 * @throws Error when the code mail does not arrive, or the account stays unverified
 */
export async function signUp(kelmah: Kelmah, maildevUrl: string, input: SignUpInput): Promise<Account> {
  const askedAt = new Date()
  await kelmah.auth.register(input)
  let code = await waitForOtp(input.email, { maildevUrl, after: askedAt })
  await kelmah.auth.verifyOtp({ email: input.email, code })
  // A verification can be lost after its 200 on FerretDB (a concurrent write to the same user
  // document puts back the old one; libs/bus/src/outbox.ts): the sign-in then says unverified.
  // Ask for a new code (the resend cooldown's 429 is waited out by the transport) and verify again.
  let { user } = await kelmah.auth.login({ email: input.email, password: input.password })
  for (let attempt = 0; !user.emailVerified && attempt < 3; attempt++) {
    const resentAt = new Date()
    await ok(kelmah.api.POST('/api/auth/otp/resend', { body: { email: input.email } }))
    code = await waitForOtp(input.email, { maildevUrl, after: resentAt, except: code })
    await kelmah.auth.verifyOtp({ email: input.email, code })
    ;({ user } = await kelmah.auth.login({ email: input.email, password: input.password }))
  }
  if (!user.emailVerified)
    throw new Error(`${input.email} stays unverified after verifying with the mailed code`)
  return new Account(kelmah)
}

/** Sign in (`POST /api/auth/login`). @throws KelmahProblem unless 200 */
export async function logIn(kelmah: Kelmah, email: string, password: string): Promise<Account> {
  await kelmah.auth.login({ email, password })
  return new Account(kelmah)
}
