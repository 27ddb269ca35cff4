/**
 * The events the messaging service produces (docs/architecture.md, Events). Each is written into
 * the outbox of the document whose insert it reports (conversation, message), in that same insert.
 * `ctx` is the context of the request, socket frame or handled event that caused it: pass it as
 * it is, so the correlation id is kept.
 */
import { createEvent, type EventContext, type EventOf } from '@kelmah/contracts'

/** `ConversationCreated`: a conversation began; `createdBy` null when an event opened it. */
export function conversationCreated(
  c: { id: string; participantIds: string[]; jobId: string | null; createdBy: string | null },
  ctx: EventContext,
): EventOf<'ConversationCreated'> {
  return createEvent(
    'ConversationCreated',
    { conversationId: c.id, participantIds: c.participantIds, jobId: c.jobId, createdBy: c.createdBy },
    ctx,
  )
}

/** `MessageSent`: a user's message was stored (system and call messages publish nothing). */
export function messageSent(
  m: {
    id: string
    conversationId: string
    senderId: string
    recipientId: string
    type: string
    /** At most 140 characters of the text (or the attachment's file name). */
    preview: string
  },
  ctx: EventContext,
): EventOf<'MessageSent'> {
  return createEvent(
    'MessageSent',
    {
      messageId: m.id,
      conversationId: m.conversationId,
      senderId: m.senderId,
      recipientId: m.recipientId,
      type: m.type,
      preview: m.preview,
    },
    ctx,
  )
}
