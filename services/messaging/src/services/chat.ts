/**
 * The chat use cases, by concern: {@link Conversations} (find or create, participant checks,
 * lists), {@link Messages} (history, sending, system and call-log messages), {@link Receipts}
 * (read receipts, unread counts) and {@link Edits} (edits and deletes). Every use case that takes
 * a user checks that the user takes part in the conversation; a stranger gets the same 404 as an
 * unknown id. Decisions live in `src/domain/`.
 */
import type { AggregateStore, Clock } from '@kelmah/service-kit'
import type { Model } from 'mongoose'
import type { ConversationDoc } from '../models/conversation.js'
import type { MessageDoc } from '../models/message.js'
import { Conversations, type ConversationDeps } from './conversations.js'
import type { Directory } from './directory.js'
import { Edits } from './edits.js'
import { Messages } from './messages.js'
import type { Push } from './push.js'
import type { MessageRateLimit } from './rate-limit.js'
import { Receipts } from './receipts.js'
import type { Safety } from './safety.js'

export type { SendContext } from './messages.js'
export { messageView, objectIdOf, type ConversationView, type MessageView } from './views.js'

/** The chat use cases, one object per concern. */
export interface Chat {
  conversations: Conversations
  messages: Messages
  receipts: Receipts
  edits: Edits
}

/** What {@link chatOf} needs. */
export interface ChatDeps {
  conversations: AggregateStore<ConversationDoc>
  messages: AggregateStore<MessageDoc>
  /**
   * The models the request paths READ through: `app.safeModel(...)` of the stores' models (on
   * FerretDB a pool beside the one guarded connection; reads need no isolation). Default the
   * stores' own models.
   */
  reads?: { Conversation: Model<ConversationDoc>; Message: Model<MessageDoc> }
  push: Push
  safety: Safety
  directory: Directory
  rateLimit: MessageRateLimit
  /** Longest text, characters (code points). */
  maxChars: number
  now: Clock
  /** Where written-behind conversation activity that failed is reported (`app.log`). */
  log: ConversationDeps['log']
}

/** The chat use cases over the conversations' and messages' stores. */
export function chatOf(d: ChatDeps): Chat {
  const Message = d.messages.model as Model<MessageDoc>
  const reads = d.reads ?? { Conversation: d.conversations.model as Model<ConversationDoc>, Message }
  const conversations = new Conversations({
    store: d.conversations,
    reads,
    directory: d.directory,
    now: d.now,
    log: d.log,
  })
  const shared = { conversations, push: d.push, now: d.now }
  return {
    conversations,
    messages: new Messages({
      ...shared,
      store: d.messages,
      reads: reads.Message,
      safety: d.safety,
      directory: d.directory,
      rateLimit: d.rateLimit,
      maxChars: d.maxChars,
    }),
    receipts: new Receipts({ ...shared, Message }),
    edits: new Edits({ ...shared, store: d.messages, maxChars: d.maxChars }),
  }
}
