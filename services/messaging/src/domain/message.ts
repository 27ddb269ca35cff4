/**
 * Message rules (pure): who may send into a conversation, what a new message stores and which
 * event it causes, who may edit or delete a message and what that changes, and who learns of a
 * read receipt. The services load and store; these decide.
 */
import type { EventContext } from '@kelmah/contracts'
import type { Decision } from '@kelmah/service-kit'
import type { Types } from 'mongoose'
import { BadContent, ConversationNotFound, MessageImmutable, NotSender, withFields } from '../errors.js'
import { messageSent } from '../events/publishers.js'
import type { ConversationDoc, LastMessage } from '../models/conversation.js'
import type { AttachmentRef, CallLog, MessageDoc, MessageType } from '../models/message.js'
import { contentProblem, otherParticipant, previewOf } from './conversation.js'

/** The dedupe key of a client-correlated message: `<senderId>:c:<clientId>`. */
export function clientKey(senderId: string, clientId: string): string {
  return `${senderId}:c:${clientId}`
}

/**
 * The recipient of a message `senderId` sends into `conv`.
 *
 * @throws ConversationNotFound when `senderId` does not take part in it
 */
export function recipientOf(conv: Pick<ConversationDoc, 'participantIds'>, senderId: string): string {
  const recipientId = otherParticipant(conv.participantIds, senderId)
  if (!recipientId) throw new ConversationNotFound()
  return recipientId
}

/** @throws BadContent (field `content`) when `content` breaks the text rules ({@link contentProblem}) */
export function checkText(content: string, maxChars: number): void {
  const problem = contentProblem(content, maxChars)
  if (problem) throw withFields(new BadContent(problem), [{ field: 'content', message: problem }])
}

/** @throws BadContent (field `caption`) when an attachment's caption is over `maxChars` characters */
export function checkCaption(caption: string, maxChars: number): void {
  if ([...caption].length > maxChars)
    throw withFields(new BadContent(`caption is longer than ${maxChars} characters`), [
      { field: 'caption', message: 'is too long' },
    ])
}

/** What a new message is, before it gets its id and time. */
export interface MessageDraft {
  senderId: string
  /** The other participant for user messages; null for system and call messages (never unread). */
  recipientId: string | null
  type: MessageType
  content: string
  kind?: string
  clientId?: string | null
  attachment?: AttachmentRef
  call?: CallLog
  /** Unique key; default `<sender>:c:<clientId>` for client-correlated messages, else `m:<id>`. */
  dedupeKey?: string
}

/** The preview a message shows in lists and in `MessageSent`: its text, or an attachment's file name. */
function previewText(m: Pick<MessageDraft, 'content' | 'attachment'>): string {
  return previewOf(m.content || m.attachment?.filename || '')
}

/**
 * The stored form of `draft` as message `id` in conversation `conversationId` at `at`, the
 * events it causes (`MessageSent` for messages to a user, not system or call messages), and the
 * conversation's new last message.
 */
export function newMessage(
  draft: MessageDraft,
  id: Types.ObjectId,
  conversationId: string,
  at: Date,
  ctx: EventContext,
): { doc: Omit<MessageDoc, 'outbox'>; events: ReturnType<typeof messageSent>[]; last: LastMessage } {
  const hex = id.toHexString()
  const dedupeKey =
    draft.dedupeKey ?? (draft.clientId ? clientKey(draft.senderId, draft.clientId) : `m:${hex}`)
  const preview = previewText(draft)
  const events =
    draft.recipientId && draft.type !== 'system'
      ? [
          messageSent(
            {
              id: hex,
              conversationId,
              senderId: draft.senderId,
              recipientId: draft.recipientId,
              type: draft.type,
              preview,
            },
            ctx,
          ),
        ]
      : []
  return {
    doc: {
      _id: id,
      conversationId,
      senderId: draft.senderId,
      recipientId: draft.recipientId,
      type: draft.type,
      content: draft.content,
      kind: draft.kind ?? null,
      attachment: draft.attachment ?? null,
      call: draft.call ?? null,
      dedupeKey,
      clientId: draft.clientId ?? null,
      createdAt: at,
      readAt: null,
      editedAt: null,
      deletedAt: null,
    },
    events,
    last: {
      id: hex,
      senderId: draft.senderId,
      type: draft.type,
      // A text's preview is its text even when empty; an attachment falls back to its file name.
      preview: draft.type === 'attachment' ? preview : previewOf(draft.content),
      createdAt: at,
    },
  }
}

/**
 * @throws NotSender when `me` did not send `msg`; MessageImmutable when it was deleted or is a
 *   system or call message
 */
export function checkChangeable(msg: MessageDoc, me: string): void {
  if (msg.senderId !== me) throw new NotSender()
  if (msg.deletedAt) throw new MessageImmutable('it was deleted')
  if (msg.type === 'system' || msg.type === 'call')
    throw new MessageImmutable(`${msg.type} messages are read-only`)
}

/**
 * `me` edits `msg` to `content` at `at`: the new text and `editedAt`. An attachment's caption may
 * be empty; a text may not.
 *
 * @throws as {@link checkChangeable}; BadContent (field `content`)
 */
export function editMessage(
  msg: MessageDoc,
  me: string,
  content: string,
  maxChars: number,
  at: Date,
): Decision {
  checkChangeable(msg, me)
  const problem =
    msg.type === 'attachment'
      ? [...content].length > maxChars
        ? 'is too long'
        : null
      : contentProblem(content, maxChars)
  if (problem) throw withFields(new BadContent(problem), [{ field: 'content', message: problem }])
  return { set: { content, editedAt: at } }
}

/** `me` deletes `msg` for everyone at `at` (soft: the text is emptied). @throws as {@link checkChangeable} */
export function deleteMessage(msg: MessageDoc, me: string, at: Date): Decision {
  checkChangeable(msg, me)
  return { set: { deletedAt: at, content: '' } }
}

/** One sender's read receipt: the messages read and the conversations they are in. */
export interface ReadReceipt {
  senderId: string
  messageIds: string[]
  conversationIds: string[]
}

/** The read receipts `rows` (messages just marked read) cause: one per sender. */
export function readReceipts(
  rows: ReadonlyArray<Pick<MessageDoc, '_id' | 'senderId' | 'conversationId'>>,
): ReadReceipt[] {
  const bySender = new Map<string, { conversationIds: Set<string>; ids: string[] }>()
  for (const r of rows) {
    const entry = bySender.get(r.senderId) ?? { conversationIds: new Set(), ids: [] }
    entry.ids.push(r._id.toHexString())
    entry.conversationIds.add(r.conversationId)
    bySender.set(r.senderId, entry)
  }
  return [...bySender].map(([senderId, e]) => ({
    senderId,
    messageIds: e.ids,
    conversationIds: [...e.conversationIds],
  }))
}
