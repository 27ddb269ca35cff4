/**
 * Edits and deletes of a user's own messages: load, decide with `domain/message.ts`, one guarded
 * write through the messages' store; both sides of the conversation get the live frame.
 */
import type { AggregateStore, Clock } from '@kelmah/service-kit'
import { deleteMessage, editMessage } from '../domain/message.js'
import { MessageNotFound } from '../errors.js'
import type { ConversationDoc } from '../models/conversation.js'
import type { MessageDoc } from '../models/message.js'
import type { Conversations } from './conversations.js'
import type { Push } from './push.js'
import { messageView, objectIdOf, type MessageView } from './views.js'

/** What {@link Edits} needs. */
export interface EditDeps {
  store: AggregateStore<MessageDoc>
  conversations: Conversations
  push: Push
  /** Longest text, characters (code points). */
  maxChars: number
  now: Clock
}

/** Edit and delete use cases. */
export class Edits {
  constructor(private readonly d: EditDeps) {}

  /** `messageId` in a conversation `me` takes part in. @throws MessageNotFound otherwise */
  async #visible(me: string, messageId: string): Promise<{ msg: MessageDoc; conv: ConversationDoc }> {
    const _id = objectIdOf(messageId)
    const msg = _id ? await this.d.store.get(_id) : null
    if (!msg) throw new MessageNotFound()
    const conv = await this.d.conversations.conversationOf(msg.conversationId, me).catch(() => {
      throw new MessageNotFound()
    })
    return { msg, conv }
  }

  /**
   * Edit the text of `me`'s own message; both sides get `message_updated`.
   *
   * @throws MessageNotFound, NotSender, MessageImmutable (deleted, system or call), BadContent
   */
  async edit(me: string, messageId: string, content: string): Promise<MessageView> {
    const { msg, conv } = await this.#visible(me, messageId)
    const at = this.d.now()
    const next = await this.d.store.change(
      msg._id,
      (current) => editMessage(current, me, content, this.d.maxChars, at),
      { current: msg, missing: () => new MessageNotFound() },
    )
    const view = messageView(next)
    await Promise.all(
      conv.participantIds.map((p) =>
        this.d.push.toUser(p, {
          type: 'message_updated',
          conversationId: view.conversationId,
          message: view,
        }),
      ),
    )
    return view
  }

  /**
   * Delete `me`'s own message for everyone (soft; a list preview showing it is emptied); both
   * sides get `message_deleted`. @throws as {@link edit}
   */
  async remove(me: string, messageId: string): Promise<void> {
    const { msg, conv } = await this.#visible(me, messageId)
    const at = this.d.now()
    await this.d.store.change(msg._id, (current) => deleteMessage(current, me, at), {
      current: msg,
      missing: () => new MessageNotFound(),
    })
    const frame = {
      type: 'message_deleted',
      conversationId: msg.conversationId,
      messageId: msg._id.toHexString(),
      deletedAt: at.toISOString(),
    }
    await this.d.conversations.blankPreview(msg.conversationId, frame.messageId)
    await Promise.all(conv.participantIds.map((p) => this.d.push.toUser(p, frame)))
  }
}
