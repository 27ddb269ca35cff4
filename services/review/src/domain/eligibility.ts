/**
 * Who may review which contract, and until when — pure rules, time passed in (no I/O).
 *
 * The rule (issue 13, "Who may review"): when a contract **completes**, or is **cancelled after at
 * least one milestone was paid** (`PaymentReleased`), each party may review the other once, within
 * `REVIEW_WINDOW_DAYS` from that moment. A cancellation whose first payment arrives later (a
 * dispute resolved after the cancellation) opens the window when that payment arrives, so the
 * parties still get the whole window.
 */
import { ContractNotEnded, ContractNotFound, NotAParty, NotEligible, WindowClosed } from '../errors.js'

/** One day in milliseconds. */
export const DAY_MS = 86_400_000

/** The two parties of a contract. */
export interface Parties {
  hirerId: string
  workerId: string
}

/** A party's side of a contract. */
export type Side = 'hirer' | 'worker'

/** How a contract ended, as the review service heard it. */
export interface Ending {
  outcome: 'completed' | 'cancelled'
  /** When the ending happened (the event's `occurredAt`). */
  endedAt: Date
}

/** Why a window opened. */
export type OpenReason = 'completed' | 'cancelled_after_payment'

/** An open (or once-open) review window. */
export interface Window {
  openedAt: Date
  closesAt: Date
  reason: OpenReason
}

/**
 * The window a contract's ending opens, or `null` when it opens none (yet).
 *
 * @param ending - how it ended; `null` while it has not
 * @param firstPaidAt - when its first milestone payment was released; `null` when none
 * @param windowDays - `REVIEW_WINDOW_DAYS`
 * @returns completed → from `endedAt`; cancelled with a payment → from the later of the
 *   cancellation and the first payment; otherwise `null`
 */
export function windowFor(
  ending: Ending | null,
  firstPaidAt: Date | null,
  windowDays: number,
): Window | null {
  if (!ending) return null
  if (ending.outcome === 'completed') return span(ending.endedAt, windowDays, 'completed')
  if (!firstPaidAt) return null
  const openedAt = firstPaidAt > ending.endedAt ? firstPaidAt : ending.endedAt
  return span(openedAt, windowDays, 'cancelled_after_payment')
}

function span(openedAt: Date, days: number, reason: OpenReason): Window {
  return { openedAt, closesAt: new Date(openedAt.getTime() + days * DAY_MS), reason }
}

/** True while the window takes reviews: `now` before `closesAt`. */
export function isOpen(window: Pick<Window, 'closesAt'>, now: Date): boolean {
  return now.getTime() < window.closesAt.getTime()
}

/** Milliseconds left in the window at `now` (0 once closed). */
export function timeLeftMs(window: Pick<Window, 'closesAt'>, now: Date): number {
  return Math.max(0, window.closesAt.getTime() - now.getTime())
}

/** `userId`'s side of the contract, or `null` for a stranger. */
export function sideOf(parties: Parties, userId: string): Side | null {
  if (userId === parties.hirerId) return 'hirer'
  if (userId === parties.workerId) return 'worker'
  return null
}

/** Who writes about whom, when a party reviews. */
export interface Authorship {
  authorRole: Side
  subjectId: string
  subjectRole: Side
}

/** What {@link decideSubmission} looks at. */
export interface SubmissionFacts {
  contractId: string
  /** The contract's parties, from any fact heard (contract, ending, window); `null` when unknown. */
  parties: Parties | null
  ending: Ending | null
  window: Window | null
  /** The window's reviews were revealed already (the window closed, or both reviewed). */
  revealed: boolean
}

/**
 * May `userId` review the contract at `now`?
 *
 * @returns who writes about whom
 * @throws ContractNotFound (404) nothing is known of the contract; NotAParty (403) a stranger;
 *   ContractNotEnded (409) still running; NotEligible (409) cancelled with nothing paid;
 *   WindowClosed (409) after `closesAt` (or once the reviews were revealed)
 */
export function decideSubmission(facts: SubmissionFacts, userId: string, now: Date): Authorship {
  if (!facts.parties) throw new ContractNotFound(facts.contractId)
  const side = sideOf(facts.parties, userId)
  if (!side) throw new NotAParty()
  if (!facts.window) {
    if (facts.ending?.outcome === 'cancelled') throw new NotEligible()
    throw new ContractNotEnded()
  }
  if (!isOpen(facts.window, now) || facts.revealed)
    throw new WindowClosed(facts.window.closesAt.toISOString())
  return side === 'hirer'
    ? { authorRole: 'hirer', subjectId: facts.parties.workerId, subjectRole: 'worker' }
    : { authorRole: 'worker', subjectId: facts.parties.hirerId, subjectRole: 'hirer' }
}
