/**
 * What the API and the socket show of stored conversations and messages, and the id and cursor
 * parsing the chat use cases share.
 */
import { BadRequest, decodeCursor, withFields } from '@kelmah/service-kit'
import { Types } from 'mongoose'
import { otherParticipant } from '../domain/conversation.js'
import type { ConversationDoc } from '../models/conversation.js'
import type { AttachmentRef, CallLog, MessageDoc, MessageType } from '../models/message.js'

/** A message as the API and the socket show it. */
export interface MessageView {
  id: string
  conversationId: string
  senderId: string
  content: string
  type: MessageType
  createdAt: string
  readAt: string | null
  kind: string | null
  editedAt: string | null
  deleted: boolean
  /** Removed by an admin (a report resolved with `remove_message`); `deleted` is true as well. */
  removed: boolean
  attachment: AttachmentRef | null
  call:
    | (Omit<CallLog, 'startedAt' | 'answeredAt' | 'endedAt'> & {
        startedAt: string
        answeredAt: string | null
        endedAt: string
      })
    | null
  clientId: string | null
}

/** A conversation as its participant sees it. */
export interface ConversationView {
  id: string
  participantIds: string[]
  otherParticipantId: string
  jobId: string | null
  createdAt: string
  lastActivityAt: string
  lastMessage: { id: string; senderId: string; type: string; preview: string; createdAt: string } | null
  unreadCount: number
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null)

/** The API view of a stored message (a deleted one shows no text and no attachment). */
export function messageView(m: Omit<MessageDoc, 'outbox'>): MessageView {
  return {
    id: m._id.toHexString(),
    conversationId: m.conversationId,
    senderId: m.senderId,
    content: m.deletedAt ? '' : m.content,
    type: m.type,
    createdAt: m.createdAt.toISOString(),
    readAt: iso(m.readAt),
    kind: m.kind ?? null,
    editedAt: iso(m.editedAt),
    deleted: Boolean(m.deletedAt),
    removed: Boolean(m.removal),
    attachment: m.deletedAt ? null : (m.attachment ?? null),
    call: m.call
      ? {
          ...m.call,
          startedAt: new Date(m.call.startedAt).toISOString(),
          answeredAt: iso(m.call.answeredAt ? new Date(m.call.answeredAt) : null),
          endedAt: new Date(m.call.endedAt).toISOString(),
        }
      : null,
    clientId: m.clientId ?? null,
  }
}

/** The view of `conv` for participant `me`, who has `unreadCount` unread messages in it. */
export function conversationView(conv: ConversationDoc, me: string, unreadCount: number): ConversationView {
  return {
    id: conv._id.toHexString(),
    participantIds: conv.participantIds,
    otherParticipantId: otherParticipant(conv.participantIds, me) ?? '',
    jobId: conv.jobId ?? null,
    createdAt: conv.createdAt.toISOString(),
    lastActivityAt: conv.lastActivityAt.toISOString(),
    lastMessage: conv.lastMessage
      ? { ...conv.lastMessage, createdAt: new Date(conv.lastMessage.createdAt).toISOString() }
      : null,
    unreadCount,
  }
}

/** A 24-hex ObjectId, or undefined for anything else (unknown ids are 404s, not 400s). */
export function objectIdOf(id: string): Types.ObjectId | undefined {
  return /^[0-9a-f]{24}$/i.test(id) ? new Types.ObjectId(id) : undefined
}

/**
 * A keyset cursor `[ISO date, ObjectId hex]`, decoded and checked; undefined without a cursor.
 *
 * @throws BadRequest naming `cursor` (querystring) for anything this list did not return
 */
export function dateIdCursor(cursor: string | undefined): { at: Date; id: Types.ObjectId } | undefined {
  const pos = decodeCursor(cursor, 2)
  if (!pos) return undefined
  const at = typeof pos[0] === 'string' ? new Date(pos[0]) : undefined
  const id = typeof pos[1] === 'string' ? objectIdOf(pos[1]) : undefined
  if (!at || Number.isNaN(at.getTime()) || !id) {
    throw withFields(new BadRequest('the cursor is not valid for this list'), [
      { field: 'cursor', message: 'is not a cursor returned by this list', in: 'querystring' },
    ])
  }
  return { at, id }
}
