/**
 * Reading the verification code a user was mailed, from MailDev's REST API — what a person would
 * do by opening the mail. MailDev 3 (npm, started by `infra/up.ts`) serves it under `/api/email`;
 * MailDev 2 (the Docker image in `docker-compose.yml`) under `/email`: both are tried.
 */

/** The parts of a MailDev message read here (see infra/README.md for the full shape). */
export interface SinkMail {
  id: string
  subject: string
  text?: string
  html?: string
  to: Array<{ address: string; name?: string }>
  /** When MailDev received it (ISO-8601). */
  time?: string
}

/** Options of {@link waitForOtp}. */
export interface WaitForOtpOptions {
  /** MailDev's web/REST base URL, e.g. `http://127.0.0.1:1080`. */
  maildevUrl: string
  /** Give up after this many milliseconds (default 15 000). */
  timeoutMs?: number
  /** Only codes from mails received at or after this time (MailDev stamps whole seconds). */
  after?: Date
  /** A code already used: mails carrying it are skipped (a resend must bring a new one). */
  except?: string
}

/** The first 6-digit code in a mail's text or HTML. @throws Error when there is none */
export function otpFrom(mail: SinkMail): string {
  const code = /\b(\d{6})\b/.exec(mail.text ?? mail.html ?? '')?.[1]
  if (!code) throw new Error(`no 6-digit code in the mail "${mail.subject}"`)
  return code
}

const apiPathByBase = new Map<string, string>()

/** The mails to `address`, oldest first, through whichever REST path this MailDev serves. */
async function mailsTo(maildevUrl: string, address: string): Promise<SinkMail[]> {
  const base = maildevUrl.replace(/\/+$/, '')
  const query = `?to.address=${encodeURIComponent(address)}`
  const known = apiPathByBase.get(base)
  for (const path of known ? [known] : ['/api/email', '/email']) {
    const res = await fetch(`${base}${path}${query}`, { signal: AbortSignal.timeout(5_000) })
    if (res.status === 404 && !known) {
      await res.arrayBuffer()
      continue
    }
    if (!res.ok) throw new Error(`MailDev ${base}${path} answered ${res.status}`)
    apiPathByBase.set(base, path)
    return (await res.json()) as SinkMail[]
  }
  throw new Error(`MailDev at ${base} serves neither /api/email nor /email`)
}

/**
 * Wait for the newest mail to `address` holding a 6-digit code and return the code.
 *
 * @throws Error when no such mail arrives within the timeout, or MailDev cannot be read
 */
export async function waitForOtp(address: string, options: WaitForOtpOptions): Promise<string> {
  const want = address.toLowerCase()
  const timeoutMs = options.timeoutMs ?? 15_000
  const deadline = Date.now() + timeoutMs
  // MailDev's `time` has whole seconds: compare against the start of the second we asked from.
  const after = options.after ? Math.floor(options.after.getTime() / 1000) * 1000 : 0
  for (let pause = 50; ; pause = Math.min(pause * 2, 500)) {
    const mails = await mailsTo(options.maildevUrl, want)
    const found = mails
      .filter((m) => m.to?.some((t) => t.address.toLowerCase() === want))
      .filter((m) => !m.time || new Date(m.time).getTime() >= after)
      .filter((m) => /\b\d{6}\b/.test(m.text ?? m.html ?? ''))
      .filter((m) => !options.except || otpFrom(m) !== options.except)
      .at(-1)
    if (found) return otpFrom(found)
    if (Date.now() > deadline)
      throw new Error(`no code mailed to ${address} within ${timeoutMs} ms (MailDev ${options.maildevUrl})`)
    await new Promise((r) => setTimeout(r, pause))
  }
}
