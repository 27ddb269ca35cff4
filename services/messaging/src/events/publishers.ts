/**
 * The events the messaging service produces (DESIGN §4). Each is written into the outbox of the
 * document whose insert it reports (conversation, message), in that same insert.
 */
import { createEvent, type EventOf } from '@kelmah/contracts'
import { previewOf } from '../domain/conversation.js'

/** Where an event comes from: the request id (or the causing event) becomes its correlation. */
export interface EventContext {
  correlationId?: string
  causationId?: string
}

const opts = (ctx: EventContext) => ({
  producer: 'messaging' as const,
  ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}),
  ...(ctx.causationId ? { causationId: ctx.causationId } : {}),
})

/** `ConversationCreated`: a conversation began; `createdBy` null when an event opened it. */
export function conversationCreated(
  c: { id: string; participantIds: string[]; jobId: string | null; createdBy: string | null },
  ctx: EventContext,
): EventOf<'ConversationCreated'> {
  return createEvent(
    'ConversationCreated',
    { conversationId: c.id, participantIds: c.participantIds, jobId: c.jobId, createdBy: c.createdBy },
    opts(ctx),
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
    content: string
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
      preview: previewOf(m.content),
    },
    opts(ctx),
  )
}
