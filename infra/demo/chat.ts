/** Steps 7–11 of the demo story (infra/demo.ts): the live chat over the messaging WebSocket. */
import {
  type ChatMessage,
  KelmahSocketError,
  ok,
  type ResponseOf,
  type ServerFrame,
  type ServerFrameOf,
} from '@kelmah/sdk'
import type { Account } from './accounts.js'
import { DemoFailed } from './errors.js'
import { sleep } from './polls.js'
import { openSocket, type RecordedSocket } from './sockets.js'

/** A conversation (`GET /api/chat/conversations` item). */
export type Conversation = ResponseOf<'/api/chat/conversations', 'get'>['items'][number]

/** The live chat of the story (steps 7–11). */
export interface DemoChat {
  /** The conversation the `chat` frame opened (a direct one: `jobId` null). */
  conversationId: string
  /** The hirer's first message: delivered to the worker and acknowledged to the hirer. */
  first: ChatMessage
  /** The worker's reply, read by the hirer. */
  reply: ChatMessage
  /** Milliseconds from the hirer's send to the worker's `new_message`, and to the hirer's `message_delivered`. */
  latencyMs: number
  deliveredMs: number
  /** Whether the hirer saw the worker typing. */
  typingSeen: boolean
  /** The `messages_read` receipt the worker got (`readAt` ISO). */
  readAt: string
  /** The worker's conversations as listed at the end. */
  conversations: Conversation[]
  /** The job's conversation (opened by `ApplicationSubmitted`), if listed. */
  jobConversation: Conversation | undefined
  /** The kinds of the worker's notifications about this job (e.g. `application_accepted`, `contract_signed`). */
  notificationKinds: string[]
}

/** What {@link chatLive} needs from {@link runDemo}. */
interface ChatContext {
  hirer: Account
  worker: Account
  jobId: string
  contractId: string
  frameWaitMs: number
  waitMs: number
  requireEventEffects: boolean
  log: (line: string) => void
  step: (text: string) => void
  note: (text: string) => void
  learn: (...ids: Array<string | undefined>) => void
}

/**
 * Steps 7–11: the hirer and the worker chat over the messaging service's WebSocket through the
 * gateway, then the worker reads their conversations and notifications over REST.
 *
 * @throws SocketWaitFailed when a socket does not greet or a frame does not come within
 *   `frameWaitMs`; KelmahSocketError when the server answers an `error` frame
 * @throws DemoFailed when a frame says something else than it should, or (with
 *   `requireEventEffects`) the job's conversation or the notifications do not show up in time
 */
export async function chatLive(c: ChatContext): Promise<DemoChat> {
  const { hirer, worker, log, step, note } = c
  const frameLog = (who: string) => (f: ServerFrame) => {
    if (f.type === 'hello' || f.type === 'presence' || f.type === 'pong') return
    log(`[${who.padEnd(6)}] ws ← ${f.type}`)
  }
  const sockets: RecordedSocket[] = []
  try {
    step('7. Both open a socket to the messaging service through the gateway (/ws)')
    let started = Date.now()
    const hirerOpen = await openSocket(hirer, c.frameWaitMs, frameLog('hirer'))
    const hirerWs = hirerOpen.socket
    sockets.push(hirerWs)
    note(`hirer connected in ${Date.now() - started} ms: ${describeHello(hirerOpen.hello)}`)
    started = Date.now()
    const workerOpen = await openSocket(worker, c.frameWaitMs, frameLog('worker'))
    const workerWs = workerOpen.socket
    sockets.push(workerWs)
    note(`worker connected in ${Date.now() - started} ms: ${describeHello(workerOpen.hello)}`)
    for (const [who, hello, id] of [
      ['hirer', hirerOpen.hello, hirer.id],
      ['worker', workerOpen.hello, worker.id],
    ] as const) {
      if (hello.userId !== id) throw new DemoFailed(`the ${who}'s hello names ${hello.userId}, not ${id}`)
    }

    step('8. The hirer writes to the worker (chat frame)')
    const text = 'Hello Kofi, welcome aboard! Can we start with the room calendar on Monday?'
    const sentAt = Date.now()
    log(`[hirer ] ws → chat to ${worker.id}`)
    // messaging learns the worker from auth's UserRegistered: until then a chat to them is refused
    // as not_found (MSG_ERR_USER_NOT_FOUND, "known within a few seconds"), so that is waited out.
    const knownBy = Date.now() + c.waitMs
    let delivered
    for (;;) {
      try {
        delivered = await hirerWs.socket.sendMessage({ type: 'chat', recipientId: worker.id, message: text })
        break
      } catch (err) {
        if (
          !(err instanceof KelmahSocketError) ||
          err.code !== 'MSG_ERR_USER_NOT_FOUND' ||
          Date.now() > knownBy
        )
          throw err
        log(`[hirer ] ws ← error ${err.code}: the worker is not known to messaging yet; sending again`)
        await sleep(300)
      }
    }
    const first = delivered.message
    const conversationId = first.conversationId
    c.learn(conversationId, first.id)
    const received = await workerWs.waitFor('new_message', (f) => f.message.id === first.id, c.frameWaitMs)
    const deliveredMs = hirerWs.arrivedAt(delivered) - sentAt
    const latencyMs = workerWs.arrivedAt(received) - sentAt
    const got = received.message
    if (got.senderId !== hirer.id || got.content !== text || received.conversationId !== conversationId)
      throw new DemoFailed(`the worker's new_message is not the hirer's message: ${JSON.stringify(received)}`)
    note(`hirer: message_delivered ${first.id} in conversation ${conversationId} after ${deliveredMs} ms`)
    note(`worker: new_message "${got.content.slice(0, 40)}…" after ${latencyMs} ms (send → partner)`)

    step('9. The worker types, then replies in that conversation (send_message)')
    workerWs.socket.send({ type: 'typing_start', conversationId })
    log(`[worker] ws → typing_start`)
    const typing = await hirerWs.waitFor(
      'user_typing',
      (f) => f.from === worker.id && f.isTyping === true,
      c.frameWaitMs,
    )
    note(`hirer sees the worker typing (user_typing isTyping ${String(typing.isTyping)})`)
    const replyText = 'Thank you, Ama! Monday works. I will share a first calendar draft by Wednesday.'
    log(`[worker] ws → send_message in ${conversationId}`)
    const replyDelivered = await workerWs.socket.sendMessage({
      type: 'send_message',
      conversationId,
      content: replyText,
    })
    const reply = replyDelivered.message
    c.learn(reply.id)
    if (reply.conversationId !== conversationId)
      throw new DemoFailed(`the reply went to ${reply.conversationId}, not ${conversationId}`)
    await hirerWs.waitFor('new_message', (f) => f.message.id === reply.id, c.frameWaitMs)
    note(`reply ${reply.id} delivered; the hirer got it as new_message`)

    step('10. The hirer reads the reply (mark_read) → the worker gets a read receipt')
    hirerWs.socket.send({ type: 'mark_read', messageIds: [reply.id] })
    log(`[hirer ] ws → mark_read [${reply.id}]`)
    const receipt = await workerWs.waitFor(
      'messages_read',
      (f) => f.messageIds.includes(reply.id),
      c.frameWaitMs,
    )
    if (receipt.readBy !== hirer.id)
      throw new DemoFailed(`messages_read names ${receipt.readBy} as reader, not the hirer ${hirer.id}`)
    const readAt = receipt.readAt
    note(`worker: messages_read by the hirer at ${readAt}`)
    await hirerWs.waitFor('messages_marked_read', (f) => f.messageIds.includes(reply.id), c.frameWaitMs)

    step("11. The worker's conversations and notifications")
    // The job's conversation and the notifications are made from bus events: poll for them.
    const deadline = Date.now() + c.waitMs
    let conversations: Conversation[] = []
    let jobConversation: Conversation | undefined
    for (;;) {
      const page = await ok(
        worker.kelmah.api.GET('/api/chat/conversations', { params: { query: { limit: 100 } } }),
      )
      conversations = page.items
      jobConversation = conversations.find((x) => x.jobId === c.jobId && x.otherParticipantId === hirer.id)
      if (jobConversation || Date.now() > deadline) break
      await sleep(500)
    }
    const direct = conversations.find((x) => x.id === conversationId)
    if (!direct) throw new DemoFailed(`GET /api/chat/conversations did not list the chat ${conversationId}`)
    if (direct.lastMessage?.id !== reply.id)
      throw new DemoFailed(
        `the chat's last message is ${direct.lastMessage?.id ?? 'none'}, not the reply ${reply.id}`,
      )
    note(
      `chat ${direct.id} with the hirer (jobId ${direct.jobId ?? 'none'}: the chat frame opens a direct conversation), ` +
        `last message "${direct.lastMessage.preview.slice(0, 40)}…", unread ${direct.unreadCount}`,
    )
    if (jobConversation) {
      c.learn(jobConversation.id)
      note(
        `job conversation ${jobConversation.id} about job ${c.jobId} (opened by ApplicationSubmitted), ` +
          `last message: ${jobConversation.lastMessage ? `${jobConversation.lastMessage.type} "${jobConversation.lastMessage.preview.slice(0, 60)}"` : 'none'}`,
      )
    } else if (c.requireEventEffects) {
      throw new DemoFailed(
        `GET /api/chat/conversations did not list a conversation about job ${c.jobId} within ${c.waitMs / 1000} s (is the messaging service consuming ApplicationSubmitted?)`,
      )
    } else {
      note(
        `no conversation about job ${c.jobId} (another messaging instance may have taken ApplicationSubmitted)`,
      )
    }

    const wanted = ['application_accepted', 'contract_signed']
    let kinds: string[] = []
    for (;;) {
      const page = await ok(
        worker.kelmah.api.GET('/api/notifications/', { params: { query: { limit: 100 } } }),
      )
      const ours = page.items.filter((n) => n.data?.jobId === c.jobId || n.data?.contractId === c.contractId)
      kinds = ours.map((n) => n.kind)
      if (wanted.every((k) => kinds.includes(k)) || Date.now() > deadline) {
        for (const n of ours) note(`notification ${n.kind}: "${n.title}"${n.read ? '' : ' (unread)'}`)
        break
      }
      await sleep(500)
    }
    const missing = wanted.filter((k) => !kinds.includes(k))
    if (missing.length && c.requireEventEffects)
      throw new DemoFailed(`the worker has no ${missing.join(', ')} notification within ${c.waitMs / 1000} s`)
    if (missing.length)
      note(`no ${missing.join(', ')} notification (another messaging instance may have taken the event)`)

    return {
      conversationId,
      first,
      reply,
      latencyMs,
      deliveredMs,
      typingSeen: true,
      readAt,
      conversations,
      jobConversation,
      notificationKinds: kinds,
    }
  } finally {
    for (const s of sockets) s.close()
  }
}

/** `unread messages 0, unread notifications 2` of a `hello` frame. */
function describeHello(hello: ServerFrameOf<'hello'>): string {
  return `hello (unread messages ${hello.unreadMessages.total}, unread notifications ${hello.unreadNotifications})`
}
