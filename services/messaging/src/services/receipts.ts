/**
 * Read receipts and unread counts: messages to a user are unread until marked read; each sender
 * learns with `messages_read` which of their messages were read.
 */
import type { Clock } from '@kelmah/service-kit'
import type { Model, Types } from 'mongoose'
import { readReceipts } from '../domain/message.js'
import type { MessageDoc } from '../models/message.js'
import type { Conversations } from './conversations.js'
import type { Push } from './push.js'
import { objectIdOf } from './views.js'

/** What {@link Receipts} needs. */
export interface ReceiptDeps {
  Message: Model<MessageDoc>
  conversations: Conversations
  push: Push
  now: Clock
}

/** Read receipts and unread counts. */
export class Receipts {
  constructor(private readonly d: ReceiptDeps) {}

  /**
   * Mark messages to `me` as read (others' and already-read ids are skipped) and tell each sender
   * with `messages_read`.
   *
   * @returns the ids marked now and their `readAt` (ISO)
   */
  async markRead(me: string, messageIds: string[]): Promise<{ messageIds: string[]; readAt: string }> {
    const ids = messageIds.map(objectIdOf).filter((x): x is Types.ObjectId => Boolean(x))
    const readAt = this.d.now()
    const found = await this.d.Message.find({ _id: { $in: ids }, recipientId: me, readAt: null }).lean()
    // `$in` returns documents in storage order (FerretDB on PostgreSQL: any order); receipts and
    // the answer list the ids in the order the reader sent them.
    const position = new Map(ids.map((id, i) => [id.toHexString(), i]))
    const rows = found.sort(
      (a, b) => (position.get(a._id.toHexString()) ?? 0) - (position.get(b._id.toHexString()) ?? 0),
    )
    if (rows.length === 0) return { messageIds: [], readAt: readAt.toISOString() }
    // Many documents, no events: one update of the read field (edits and deletes never touch it).
    // Through the driver, not the model: the outbox plugin takes a model `updateMany` as "maybe
    // new outbox entries somewhere" and the relay would scan the whole collection next time.
    await this.d.Message.collection.updateMany(
      { _id: { $in: rows.map((r) => r._id) }, readAt: null },
      { $set: { readAt } },
    )
    const at = readAt.toISOString()
    await Promise.all(
      readReceipts(rows).map((r) =>
        this.d.push.toUser(r.senderId, {
          type: 'messages_read',
          messageIds: r.messageIds,
          readBy: me,
          readAt: at,
          conversationIds: r.conversationIds,
        }),
      ),
    )
    return { messageIds: rows.map((r) => r._id.toHexString()), readAt: at }
  }

  /** Mark every message to `me` in a conversation as read. @throws ConversationNotFound */
  async markConversationRead(convId: string, me: string): Promise<{ messageIds: string[]; readAt: string }> {
    const conv = await this.d.conversations.conversationOf(convId, me)
    const unread = await this.d.Message.find(
      { conversationId: conv._id.toHexString(), recipientId: me, readAt: null },
      { _id: 1 },
    ).lean()
    return this.markRead(
      me,
      unread.map((m) => m._id.toHexString()),
    )
  }

  /** `me`'s unread message counts: the total and per conversation. */
  async unreadCounts(
    me: string,
  ): Promise<{ total: number; conversations: Array<{ conversationId: string; count: number }> }> {
    const rows = await this.d.Message.find(
      { recipientId: me, readAt: null, deletedAt: null },
      { conversationId: 1 },
    ).lean()
    const counts = new Map<string, number>()
    for (const r of rows) counts.set(r.conversationId, (counts.get(r.conversationId) ?? 0) + 1)
    return {
      total: rows.length,
      conversations: [...counts].map(([conversationId, count]) => ({ conversationId, count })),
    }
  }
}
