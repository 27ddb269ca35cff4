/**
 * Reading mail from the real mail sink (MailDev 3, started by `infra/`) through its REST API
 * (`GET /api/email?to.address=…`; MailDev 2 images served it at `/email`).
 */
import { testEnv } from './env.js'

/** The parts of a MailDev message tests read. */
export interface SinkMail {
  id: string
  subject: string
  text?: string
  html?: string
  to: Array<{ address: string; name?: string }>
  /** When MailDev received it (ISO-8601). */
  time?: string
}

/**
 * Wait for the newest mail to `address` (case-insensitive) that satisfies `match`.
 *
 * @param opts.timeoutMs - give up after this many milliseconds (default 10 000)
 * @param opts.after - only mails received after this time
 * @throws Error when none arrives in time
 */
export async function waitForMail(
  address: string,
  opts: { timeoutMs?: number; match?: (m: SinkMail) => boolean; after?: Date; maildevUrl?: string } = {},
): Promise<SinkMail> {
  const base = opts.maildevUrl ?? testEnv().maildevUrl
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000)
  const want = address.toLowerCase()
  for (;;) {
    const res = await fetch(`${base}/api/email?to.address=${encodeURIComponent(want)}`)
    if (res.ok) {
      const mails = (await res.json()) as SinkMail[]
      const found = mails
        .filter((m) => m.to?.some((t) => t.address.toLowerCase() === want))
        .filter((m) => !opts.after || !m.time || new Date(m.time) >= opts.after)
        .filter((m) => !opts.match || opts.match(m))
        .at(-1)
      if (found) return found
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${address} within ${opts.timeoutMs ?? 10_000} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** The first 6-digit code in a mail's text (the OTP). @throws Error when there is none */
export function otpFrom(mail: SinkMail): string {
  const code = /\b(\d{6})\b/.exec(mail.text ?? mail.html ?? '')?.[1]
  if (!code) throw new Error(`no 6-digit code in mail "${mail.subject}"`)
  return code
}
