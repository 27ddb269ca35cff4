/**
 * Conversation identity rules (pure). A conversation is between exactly two users and optionally
 * about one job; there is at most one per (pair, job). The pair is kept in canonical (sorted)
 * order, and the uniqueness is carried by a unique index on {@link conversationKey} — a unique
 * insert is the one write FerretDB 1.24 makes atomic across processes (docs/ferretdb.md).
 */
import type { EventContext } from '@kelmah/contracts'
import type { Decision } from '@kelmah/service-kit'
import type { Types } from 'mongoose'
import { SelfConversation, withFields } from '../errors.js'
import { conversationCreated } from '../events/publishers.js'
import type { ConversationDoc, LastMessage } from '../models/conversation.js'

/** The two participant ids in canonical (sorted) order. @throws RangeError when both are the same user */
export function canonicalPair(a: string, b: string): [string, string] {
  if (a === b) throw new RangeError('a conversation needs two different users')
  return a < b ? [a, b] : [b, a]
}

/** The unique key of the conversation of `a` and `b` about `jobId` (or none): `<a>|<b>|<jobId or ->`. */
export function conversationKey(a: string, b: string, jobId?: string | null): string {
  const [x, y] = canonicalPair(a, b)
  return `${x}|${y}|${jobId ?? '-'}`
}

/** The other participant of a two-person conversation, or undefined when `me` is not in it. */
export function otherParticipant(participantIds: readonly string[], me: string): string | undefined {
  if (!participantIds.includes(me)) return undefined
  return participantIds.find((p) => p !== me)
}

/** At most the first 140 characters of a text (the `MessageSent` preview and list previews). */
export function previewOf(content: string): string {
  return [...content].slice(0, 140).join('')
}

/** The text rules of a message: non-blank, at most `maxChars` characters (code points). Returns the problem or null. */
export function contentProblem(content: string, maxChars: number): string | null {
  if (content.trim().length === 0) return 'is empty'
  if ([...content].length > maxChars) return `is longer than ${maxChars} characters`
  return null
}

/** The kinds of system messages, each written from one domain event. */
export const SYSTEM_KINDS = [
  'contract_signed',
  'milestone_funded',
  'payment_released',
  'dispute_raised',
  'job_update',
] as const
/** A system message kind. */
export type SystemKind = (typeof SYSTEM_KINDS)[number]

/** @throws SelfConversation (field `participantId`) when `me === other` */
export function checkOther(me: string, other: string): void {
  if (me === other)
    throw withFields(new SelfConversation(), [{ field: 'participantId', message: 'must be another user' }])
}

/**
 * A new conversation of `me` and `other` about `jobId` (or none), created at `at`, and the
 * `ConversationCreated` it causes.
 *
 * @param createdBy - the user who asked, or null when an event opened it
 * @throws SelfConversation (field `participantId`) when `me === other`
 */
export function openConversation(
  input: { id: Types.ObjectId; me: string; other: string; jobId: string | null; createdBy: string | null },
  at: Date,
  ctx: EventContext,
): { doc: Omit<ConversationDoc, 'outbox'>; events: ReturnType<typeof conversationCreated>[] } {
  const { id, me, other, jobId, createdBy } = input
  checkOther(me, other)
  const participantIds = canonicalPair(me, other)
  return {
    doc: {
      _id: id,
      key: conversationKey(me, other, jobId),
      participantIds,
      jobId,
      createdBy,
      createdAt: at,
      lastActivityAt: at,
      lastMessage: null,
    },
    events: [conversationCreated({ id: id.toHexString(), participantIds, jobId, createdBy }, ctx)],
  }
}

/**
 * The conversation's list position after `message`: its last message and activity time. Written
 * only where `lastActivityAt <= message.createdAt` ({@link activityGuard}): a late, older write
 * never hides a newer message.
 */
export function activityAfter(message: LastMessage): Decision {
  return { set: { lastActivityAt: message.createdAt, lastMessage: message } }
}

/** The guard of {@link activityAfter}: only move the list position forward. */
export function activityGuard(at: Date): Record<string, unknown> {
  return { lastActivityAt: { $lte: at } }
}
