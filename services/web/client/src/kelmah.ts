/**
 * The console's one SDK client (`@kelmah/sdk`) on the page's own origin (the gateway), with the
 * session kept in `localStorage` so a reload stays signed in, and the chat socket shared by every
 * screen. Also the small helpers every screen uses: money formatting, envelope unwrapping and
 * a readable message for any error.
 */
import { createKelmah, KelmahProblem, type KelmahSocket, type Session } from '@kelmah/sdk'

const KEY = 'kelmah.session'

function stored(): Session | undefined {
  try {
    const raw = localStorage.getItem(KEY)
    return raw ? (JSON.parse(raw) as Session) : undefined
  } catch {
    return undefined
  }
}

type Listener = (session: Session | null) => void
const listeners = new Set<Listener>()

/** The client. */
export const kelmah = createKelmah({
  baseUrl: location.origin,
  ...(stored() ? { session: stored()! } : {}),
  onSession: (session) => {
    if (session) localStorage.setItem(KEY, JSON.stringify(session))
    else localStorage.removeItem(KEY)
    if (!session) closeSocket()
    for (const l of listeners) l(session)
  },
})

/** Be told when the session changes. @returns a function that stops listening */
export function onSession(listener: Listener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

let socket: KelmahSocket | undefined

/** The signed-in user's chat socket (opened on first use, closed on sign-out). */
export function chatSocket(): KelmahSocket {
  socket ??= kelmah.socket()
  return socket
}

function closeSocket(): void {
  socket?.close()
  socket = undefined
}

/** `body[key]` when the answer is an envelope `{key: …}`, else the body itself. */
export function unwrap<T>(body: unknown, key: string): T {
  const o = body as Record<string, unknown> | null
  return (o && typeof o === 'object' && key in o ? o[key] : body) as T
}

/** Money as the API speaks it: integer minor units and an ISO 4217 currency. */
export interface Money {
  amountMinor: number
  currency: string
}

const ZERO_DECIMALS = new Set(['JPY'])

/** `$1,260.00` — minor units shown in the currency's own format. */
export function formatMoney(m: Money | null | undefined): string {
  if (!m) return '—'
  const digits = ZERO_DECIMALS.has(m.currency.toUpperCase()) ? 0 : 2
  return new Intl.NumberFormat(undefined, { style: 'currency', currency: m.currency.toUpperCase() }).format(
    m.amountMinor / 10 ** digits,
  )
}

/** Major units typed by a person (`12.50`) → minor units (1250). */
export function toMinor(major: string, currency: string): number {
  const digits = ZERO_DECIMALS.has(currency.toUpperCase()) ? 0 : 2
  return Math.round(Number(major) * 10 ** digits)
}

/** A sentence for any error: a problem's detail and the fields it names. */
export function describeError(err: unknown): string {
  if (err instanceof KelmahProblem) {
    const fields = err.errors.map((e) => e.field).filter(Boolean)
    return `${err.detail ?? err.title}${fields.length ? ` (${fields.join(', ')})` : ''}`
  }
  return err instanceof Error ? err.message : String(err)
}

/** A short, readable date-time. */
export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—'
}
