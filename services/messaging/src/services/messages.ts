/**
 * Message use cases: history, sending text and attachments, and the system and call-log messages
 * the event handlers and the call signalling write. Every message is one unique insert through
 * the messages' store (`dedupeKey`: a repeated `clientId`, event or call id stores once), with
 * `MessageSent` in its outbox; live frames go out through {@link Push} after the write is durable.
 *
 * The send path is hot (see the README's benchmark): block check (once: the `chat` frame has
 * made it already), the Redis rate limit and the insert — two database commands before the
 * frames go out. The conversation's list position follows behind the insert
 * (`Conversations.noteActivity`: one guarded write per conversation at a time, collapsed under
 * load). A repeated `clientId` is caught by the insert itself (the unique `dedupeKey`), not by a
 * lookup before every send.
 */
import type { EventContext } from '@kelmah/contracts'
import {
  afterPosition,
  isDuplicateKey,
  pageOf,
  withRetryAfter,
  type AggregateStore,
  type Clock,
  type CursorValue,
} from '@kelmah/service-kit'
import { Types, type Model } from 'mongoose'
import {
  checkCaption,
  checkText,
  clientKey,
  newMessage,
  recipientOf,
  type MessageDraft,
} from '../domain/message.js'
import { Blocked, RateLimited } from '../errors.js'
import type { ConversationDoc } from '../models/conversation.js'
import type { AttachmentRef, CallLog, MessageDoc } from '../models/message.js'
import type { Conversations } from './conversations.js'
import type { Directory } from './directory.js'
import type { Push } from './push.js'
import type { MessageRateLimit } from './rate-limit.js'
import type { Safety } from './safety.js'
import { dateIdCursor, messageView, type MessageView } from './views.js'

/** Who sends, from where. */
export interface SendContext extends EventContext {
  /** The socket the message came from (left out of the sender's own `new_message` echo). */
  connId?: string
}

/** What {@link Messages} needs. */
export interface MessageDeps {
  /** The messages' store (`MessageSent` rides in the insert). */
  store: AggregateStore<MessageDoc>
  /** The Message model reads go through (history, a retried `clientId`): the safe pool on FerretDB. */
  reads: Model<MessageDoc>
  conversations: Conversations
  push: Push
  safety: Safety
  /** Refuses messages to deactivated or suspended users. */
  directory: Directory
  rateLimit: MessageRateLimit
  /** Longest text, characters (code points). */
  maxChars: number
  now: Clock
}

/** The message use cases. */
export class Messages {
  readonly #d: MessageDeps
  readonly #Message: Model<MessageDoc>

  constructor(deps: MessageDeps) {
    this.#d = deps
    this.#Message = deps.reads
  }

  /** A conversation's messages, newest first. @throws ConversationNotFound, BadRequest for a bad cursor */
  async history(
    convId: string,
    me: string,
    q: { limit: number; cursor?: string },
  ): Promise<{ items: MessageView[]; nextCursor: string | null }> {
    const conv = await this.#d.conversations.conversationOf(convId, me)
    const after = dateIdCursor(q.cursor)
    const filter: Record<string, unknown> = { conversationId: conv._id.toHexString() }
    if (after)
      Object.assign(
        filter,
        afterPosition('createdAt', [after.at.toISOString(), after.id.toHexString()], {
          toKey: () => after.at,
          toId: () => after.id,
        }),
      )
    const rows = await this.#Message
      .find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .limit(q.limit + 1)
      .lean()
    const page = pageOf(rows, q.limit, (m): CursorValue[] => [m.createdAt.toISOString(), m._id.toHexString()])
    return { items: page.items.map(messageView), nextCursor: page.nextCursor }
  }

  /**
   * Send a text message from `senderId` into `conv` (checked: participant, content rules, not
   * blocked, rate limit). A repeated `clientId` returns the message stored the first time.
   *
   * @param opts - `blockChecked`: the caller has just checked that the recipient does not block
   *   the sender (the `chat` frame does, before it opens the conversation)
   * @returns the stored message and whether it was stored before (a retried `clientId`)
   * @throws ConversationNotFound, BadContent, Blocked, RecipientInactive, RateLimited (with `Retry-After`)
   */
  async sendText(
    conv: ConversationDoc,
    senderId: string,
    content: string,
    clientId: string | null,
    ctx: SendContext,
    opts: { blockChecked?: boolean } = {},
  ): Promise<{ message: MessageView; duplicate: boolean }> {
    const recipientId = recipientOf(conv, senderId)
    checkText(content, this.#d.maxChars)
    await this.#checkRecipient(recipientId, senderId, opts.blockChecked ?? false)
    const dedupeKey = clientId ? clientKey(senderId, clientId) : null
    try {
      await this.#consumeRate(senderId)
    } catch (err) {
      // A retried clientId gets its first message back even when over the limit (as it never counted).
      const seen = dedupeKey ? await this.#Message.findOne({ dedupeKey }).lean() : null
      if (seen) return { message: messageView(seen), duplicate: true }
      throw err
    }
    const sent = await this.#store(conv, { senderId, recipientId, type: 'text', content, clientId }, ctx)
    // A retried clientId is not a new message: give its unit of the rate limit back.
    if (sent.duplicate) await this.#d.rateLimit.refund(senderId)
    return sent
  }

  /** Store an attachment message (the file is already in GridFS). @throws as {@link sendText} (caption for content) */
  async sendAttachment(
    conv: ConversationDoc,
    senderId: string,
    attachment: AttachmentRef,
    caption: string,
    ctx: SendContext,
  ): Promise<MessageView> {
    const recipientId = recipientOf(conv, senderId)
    checkCaption(caption, this.#d.maxChars)
    await this.#checkRecipient(recipientId, senderId)
    await this.#consumeRate(senderId)
    const draft: MessageDraft = { senderId, recipientId, type: 'attachment', content: caption, attachment }
    return (await this.#store(conv, draft, ctx)).message
  }

  /**
   * Write a system message (from an event) into `conv`, once per `dedupeKey`.
   *
   * @returns the message, or null when it was written before
   */
  async writeSystem(
    conv: ConversationDoc,
    kind: string,
    content: string,
    dedupeKey: string,
    ctx: EventContext,
  ): Promise<MessageView | null> {
    const { message, duplicate } = await this.#store(
      conv,
      { senderId: 'system', recipientId: null, type: 'system', content, kind, dedupeKey },
      ctx,
    )
    return duplicate ? null : message
  }

  /** Log a call in its conversation (a `call` message from the caller), once per call id. */
  async writeCallLog(conv: ConversationDoc, log: CallLog): Promise<MessageView | null> {
    const { message, duplicate } = await this.#store(
      conv,
      {
        senderId: log.callerId,
        recipientId: null,
        type: 'call',
        content: '',
        kind: log.outcome,
        call: log,
        dedupeKey: `call:${log.callId}`,
      },
      // Call logs cause no events; the context only names this service.
      { producer: 'messaging', correlationId: log.callId },
    )
    return duplicate ? null : message
  }

  /**
   * @param blockChecked - the caller checked the block just before (the `chat` frame): not read twice
   * @throws Blocked when the recipient blocked the sender, RecipientInactive when their account is not active
   */
  async #checkRecipient(recipientId: string, senderId: string, blockChecked = false): Promise<void> {
    const [blocked] = await Promise.all([
      blockChecked ? false : this.#d.safety.isBlocked(recipientId, senderId),
      this.#d.directory.checkRecipient(recipientId),
    ])
    if (blocked) throw new Blocked()
  }

  /** @throws RateLimited (with `Retry-After`) when `senderId` sent too much in the window */
  async #consumeRate(senderId: string): Promise<void> {
    const wait = await this.#d.rateLimit.consume(senderId)
    if (wait > 0) throw withRetryAfter(new RateLimited(wait), wait)
  }

  async #store(
    conv: ConversationDoc,
    draft: MessageDraft,
    ctx: SendContext,
  ): Promise<{ message: MessageView; duplicate: boolean }> {
    const conversationId = conv._id.toHexString()
    const { doc, events, last } = newMessage(draft, new Types.ObjectId(), conversationId, this.#d.now(), ctx)
    try {
      await this.#d.store.create(doc, events)
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
      const first = await this.#Message.findOne({ dedupeKey: doc.dedupeKey }).lean()
      if (!first) throw err
      return { message: messageView(first), duplicate: true }
    }
    // The insert is the commit point; the list position is written behind it.
    this.#d.conversations.noteActivity(conv, last)
    const message = messageView(doc)
    const frame = { type: 'new_message', conversationId, message }
    await Promise.all(
      conv.participantIds.map((p) =>
        this.#d.push.toUser(p, frame, p === draft.senderId ? ctx.connId : undefined),
      ),
    )
    return { message, duplicate: false }
  }
}
