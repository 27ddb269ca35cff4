/**
 * Outgoing mail (one-time codes) through SMTP with nodemailer. Mails are sent in the background:
 * a request never waits for SMTP (so "forgot password" takes the same time whether or not the
 * account exists), failures are logged, and `close()` waits for mails still in flight.
 */
import type { FastifyBaseLogger } from 'fastify'
import nodemailer, { type Transporter } from 'nodemailer'
import type { OtpPurpose } from './domain/otp.js'

/** Options of {@link Mailer}. */
export interface MailerOptions {
  /** `smtp://host:port` or `smtps://user:pass@host:port`. */
  url: string
  /** The `From:` header, e.g. `Kelmah <no-reply@kelmah.example>`. */
  from: string
  logger: FastifyBaseLogger
}

const SUBJECTS: Record<OtpPurpose, string> = {
  verify: 'Your Kelmah verification code',
  reset: 'Your Kelmah password reset code',
}

/** Sends the service's mails. */
export class Mailer {
  readonly #transport: Transporter
  readonly #from: string
  readonly #logger: FastifyBaseLogger
  readonly #inFlight = new Set<Promise<void>>()

  constructor(opts: MailerOptions) {
    this.#transport = nodemailer.createTransport(opts.url)
    this.#from = opts.from
    this.#logger = opts.logger
  }

  /**
   * Mail a one-time code (in the background; see the module comment). The code is the only
   * 6-digit number in the text.
   *
   * @param ttlMinutes - how long the code lives, for the text
   */
  sendOtp(to: string, purpose: OtpPurpose, code: string, ttlMinutes: number): void {
    const what = purpose === 'verify' ? 'confirm your email address' : 'reset your password'
    const text = [
      `Your code to ${what} on Kelmah is ${code}.`,
      '',
      `It works once and expires in ${ttlMinutes} minutes.`,
      purpose === 'reset'
        ? 'If you did not ask for it, ignore this mail: your password stays as it is.'
        : 'If you did not sign up for Kelmah, ignore this mail.',
    ].join('\n')
    this.#track(
      this.#transport.sendMail({ from: this.#from, to, subject: SUBJECTS[purpose], text }).then(
        () => undefined,
        (err: unknown) => this.#logger.error({ err, purpose }, 'could not send a one-time code mail'),
      ),
    )
  }

  /**
   * Tell the owner of `to` that sign-ins to the account keep failing (domain/lockout.ts: once per
   * episode, when a threshold is reached), in the background. Says what to do, not where from.
   */
  sendLoginAlert(to: string): void {
    const text = [
      'Someone has been trying to sign in to your Kelmah account with a wrong password.',
      '',
      'If it was you, you can keep trying after a short wait, or reset your password.',
      'If it was not you, your account is safe as long as your password is: consider changing it',
      'to one you use nowhere else. Sign-ins from your own devices keep working.',
    ].join('\n')
    this.#track(
      this.#transport
        .sendMail({ from: this.#from, to, subject: 'Failed sign-ins to your Kelmah account', text })
        .then(
          () => undefined,
          (err: unknown) => this.#logger.error({ err }, 'could not send a login alert mail'),
        ),
    )
  }

  /** Wait for mails in flight, then close the SMTP transport. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#inFlight])
    this.#transport.close()
  }

  #track(p: Promise<void>): void {
    this.#inFlight.add(p)
    void p.finally(() => this.#inFlight.delete(p))
  }
}
