/**
 * `npm run demo`: the marketplace story told by two real HTTP clients through the gateway of a
 * running Kelmah (`npm start`), with the domain events it causes printed as they cross the bus.
 *
 *   1. a hirer and a worker register and verify their e-mail (the code is read from MailDev)
 *   2. both complete their profiles
 *   3. the hirer posts a job
 *   4. the worker finds it by search and among their recommendations (the job service learns the
 *      worker's skills from `ProfileUpdated`), and applies
 *   5. the hirer lists the applications, shortlists and accepts one → a contract
 *   6. both sign → the contract is active and the job in progress
 *   7. both open a WebSocket to the messaging service through the gateway (`/ws?token=…`)
 *   8. the hirer writes to the worker (`chat` frame): `message_delivered` to the hirer,
 *      `new_message` to the worker (latency printed)
 *   9. the worker types (`typing_start` → the hirer sees `user_typing`) and replies in that
 *      conversation (`send_message`)
 *  10. the hirer reads the reply (`mark_read`) → the worker gets `messages_read`
 *  11. the worker lists their conversations (the chat, and the job's conversation opened by
 *      `ApplicationSubmitted`) and notifications (`application_accepted`, `contract_signed`)
 *
 * Environment: `KELMAH_URL` (default http://127.0.0.1:5000), `MAILDEV_URL` (http://127.0.0.1:1080),
 * `AMQP_URL` (amqp://guest:guest@127.0.0.1:5672). Exits 1 on any unexpected answer.
 * `runDemo()` is the same story for tests.
 */
import { randomBytes } from 'node:crypto'
import { type Session, signUp } from './api/accounts.js'
import {
  type AppNotification,
  type ChatMessage,
  type ChatSocket,
  ChatSocketError,
  type Conversation,
  openChatSocket,
  type ServerFrame,
} from './api/chat.js'
import { ApiClient, describeBody, UnexpectedStatus } from './api/client.js'
import { describeEvent, type EventTap, type SeenEvent, tapEvents } from './api/events.js'
import {
  accept,
  apply,
  type Application,
  type Contract,
  type Job,
  type Page,
  postJob,
  shortlist,
  sign,
  unwrap,
  updateProfile,
} from './api/marketplace.js'
import { isMain } from './paths.js'

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** The gateway, e.g. `http://127.0.0.1:5000`. */
  baseUrl: string
  /** MailDev's web/REST URL. */
  maildevUrl: string
  /** RabbitMQ, to watch the events. */
  amqpUrl: string
  /** Where the story is told (default stdout). */
  log?: (line: string) => void
  /** Event exchange to watch (default `kelmah.events`). */
  exchange?: string
  /** How long to wait for eventual things (recommendation, job status, events), ms (default 15 000). */
  waitMs?: number
  /** How long to wait for each WebSocket frame (hello, delivery, typing, receipt), ms (default 10 000). */
  frameWaitMs?: number
  /**
   * Whether the job's conversation and the worker's notifications — made by the messaging service
   * from bus events — must show up (default true). A test whose messaging service shares its
   * consumer queues with another running one (which may take those events) turns it off: they
   * are then reported, not required.
   */
  requireEventEffects?: boolean
}

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

/** What the story produced. */
export interface DemoResult {
  hirer: { id: string; email: string }
  worker: { id: string; email: string }
  /** The job as last read (status `in_progress` at the end). */
  job: Job
  application: Application
  /** The contract as last signed (status `active` at the end). */
  contract: Contract
  /** Whether the worker found the job by search and among their recommendations. */
  foundBySearch: boolean
  recommended: boolean
  /** The events about the demo's users, job, application and contract, in arrival order. */
  events: SeenEvent[]
  /** Steps 7–11. */
  chat: DemoChat
}

/** Thrown when the story does not go as it should (beyond an unexpected status). */
export class DemoFailed extends Error {
  override readonly name = 'DemoFailed'
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Tell the story.
 *
 * @throws UnexpectedStatus when a call answers anything but its success status
 * @throws DemoFailed when the story goes wrong: the job not found by search or not recommended
 *   in time, the contract not active, the job not in progress, no `ContractSigned` seen, a chat
 *   frame saying something else than it should, the chat or (see `requireEventEffects`) the job's
 *   conversation or the worker's notifications not listed
 * @throws ChatSocketError when a socket cannot open or closes, the server answers an `error`
 *   frame, or a frame does not come within `frameWaitMs`
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`))
  const waitMs = options.waitMs ?? 15_000
  const tag = randomBytes(3).toString('hex')
  const hirerEmail = `demo-hirer-${tag}@demo.kelmah.test`
  const workerEmail = `demo-worker-${tag}@demo.kelmah.test`
  const password = 'Kelmah-demo-2026!'

  // Only events about this story are printed (the bus carries everyone's); an event that names
  // nothing known yet is held back until a later step makes one of its ids known.
  const known = new Set<string>([hirerEmail, workerEmail])
  const relevant: SeenEvent[] = []
  let held: SeenEvent[] = []
  const mentionsKnown = (e: SeenEvent) =>
    Object.values(e.data ?? {}).some((v) =>
      Array.isArray(v) ? v.some((x) => known.has(String(x))) : known.has(String(v)),
    )
  const show = (e: SeenEvent) => {
    relevant.push(e)
    log(`[event ] ${describeEvent(e)}`)
  }
  const onEvent = (e: SeenEvent) => (mentionsKnown(e) ? show(e) : held.push(e))
  const learn = (...ids: Array<string | undefined>) => {
    for (const id of ids) if (id) known.add(id)
    const still: SeenEvent[] = []
    for (const e of held) {
      if (mentionsKnown(e)) show(e)
      else still.push(e)
    }
    held = still.slice(-500)
  }

  const clientFor = (who: string) =>
    new ApiClient({
      baseUrl: options.baseUrl,
      onResponse: (r) => log(`[${who.padEnd(6)}] ${r.method} ${r.path} → ${r.status} (${r.ms} ms)`),
      onBackoff: (r, ms) =>
        log(
          `[${who.padEnd(6)}] ${r.method} ${r.path} → ${r.status}; retrying in ${(ms / 1000).toFixed(1)} s`,
        ),
    })
  const step = (text: string) => log(`\n[demo  ] ${text}`)
  const note = (text: string) => log(`[demo  ]   ✓ ${text}`)

  let tap: EventTap | undefined
  try {
    tap = await tapEvents({ amqpUrl: options.amqpUrl, exchange: options.exchange, onEvent })
    log(`[demo  ] watching every event on ${options.exchange ?? 'kelmah.events'} (printing this story's)`)

    step('1. A hirer and a worker sign up (code read from MailDev) and sign in')
    const hirer = await signUp(clientFor('hirer'), options.maildevUrl, {
      email: hirerEmail,
      password,
      name: 'Ama Mensah',
      role: 'hirer',
    })
    learn(hirer.id)
    note(`hirer ${hirer.user.name} <${hirerEmail}> id ${hirer.id}, verified: ${hirer.user.emailVerified}`)
    const worker = await signUp(clientFor('worker'), options.maildevUrl, {
      email: workerEmail,
      password,
      name: 'Kofi Boateng',
      role: 'worker',
    })
    learn(worker.id)
    note(
      `worker ${worker.user.name} <${workerEmail}> id ${worker.id}, verified: ${worker.user.emailVerified}`,
    )

    step('2. Both complete their profiles')
    await updateProfile(hirer, {
      headline: 'Founder of a guesthouse in Kumasi',
      bio: 'We run a twelve-room guesthouse and want guests to book online.',
      location: { country: 'GH', city: 'Kumasi' },
      company: { name: `Adinkra Guesthouse ${tag}`, size: '2-10', industry: 'Hospitality' },
    })
    note('hirer profile: headline, bio, location, company')
    const skills = ['react', 'typescript', 'node.js']
    await updateProfile(worker, {
      headline: 'Full-stack developer · React, TypeScript, Node.js',
      bio: 'Six years building booking systems and dashboards for small businesses.',
      skills,
      hourlyRate: { amountMinor: 4_500, currency: 'USD' },
      location: { country: 'GH', city: 'Accra' },
      availability: 'available',
    })
    note(`worker profile: skills ${skills.join(', ')}, $45.00/h, available`)

    step('3. The hirer posts a job')
    const word = `guesthouse${tag}`
    const posted = await postJob(hirer, {
      title: `React booking website for ${word} in Kumasi`,
      description:
        'A booking website for a twelve-room guesthouse: room calendar, online payment, e-mail confirmations, an admin page.',
      category: 'web-development',
      skills,
      budget: { type: 'fixed', amountMinor: 150_000, currency: 'USD' },
      duration: '1_to_3_months',
      experienceLevel: 'intermediate',
    })
    learn(posted.id)
    note(`job ${posted.id} "${posted.title}" is ${posted.status}`)

    step('4. The worker finds the job by search and by recommendation, and applies')
    const search = await worker.call<Page<Job>>('GET', `/api/jobs?q=${encodeURIComponent(word)}`, {
      expect: [200],
    })
    const foundBySearch = search.body.items.some((j) => j.id === posted.id)
    note(
      `search "${word}": ${search.body.items.length} result(s), the job ${foundBySearch ? 'among them' : 'MISSING'}`,
    )
    if (!foundBySearch) throw new DemoFailed(`GET /api/jobs?q=${word} did not list job ${posted.id}`)
    const recommended = await pollRecommended(worker, posted.id, waitMs)
    if (!recommended) {
      throw new DemoFailed(
        `GET /api/jobs/recommended did not list job ${posted.id} within ${waitMs / 1000} s (is the job service consuming ProfileUpdated?)`,
      )
    }
    note(`recommendations list the job (the job service learned the worker's skills from ProfileUpdated)`)
    const application = await apply(worker, posted.id, {
      coverLetter: 'Hello! I have built three booking sites with React and Node.js; I can start on Monday.',
      bid: { amountMinor: 140_000, currency: 'USD' },
      estimatedDays: 30,
    })
    learn(application.id)
    note(`application ${application.id} is ${application.status}`)

    step('5. The hirer reviews the applications, shortlists and accepts')
    const list = await hirer.call<Page<Application>>('GET', `/api/jobs/${posted.id}/applications`, {
      expect: [200],
    })
    note(
      `${list.body.items.length} application(s): ${list.body.items.map((a) => `${a.id} (${a.status})`).join(', ')}`,
    )
    if (!list.body.items.some((a) => a.id === application.id)) {
      throw new DemoFailed(`GET /api/jobs/${posted.id}/applications did not list ${application.id}`)
    }
    const listed = await shortlist(hirer, application.id)
    note(`application is ${listed.status}`)
    const created = await accept(hirer, application.id)
    learn(created.id)
    note(`contract ${created.id} is ${created.status}`)

    step('6. Both sign the contract')
    const afterHirer = await sign(hirer, created.id)
    note(`hirer signed: contract is ${afterHirer.status}`)
    const contract = await sign(worker, created.id)
    note(`worker signed: contract is ${contract.status}`)
    if (contract.status !== 'active')
      throw new DemoFailed(`the contract is ${contract.status} after both signed, not active`)
    const job = await pollJobStatus(hirer, posted.id, 'in_progress', waitMs)
    note(`job is ${job.status}`)
    if (job.status !== 'in_progress')
      throw new DemoFailed(`the job is ${job.status}, not in_progress, after the contract was signed`)
    await tap
      .waitFor((e) => e.type === 'ContractSigned' && e.data.contractId === created.id, waitMs)
      .catch(() => {
        throw new DemoFailed(`no ContractSigned event for ${created.id} within ${waitMs / 1000} s`)
      })

    const chat = await chatLive({
      baseUrl: options.baseUrl,
      hirer,
      worker,
      jobId: posted.id,
      contractId: created.id,
      frameWaitMs: options.frameWaitMs ?? 10_000,
      waitMs,
      requireEventEffects: options.requireEventEffects ?? true,
      log,
      step,
      note,
      learn,
    })
    await tap
      .waitFor((e) => e.type === 'MessageSent' && e.data.messageId === chat.reply.id, waitMs)
      .catch(() => log(`[demo  ]   (no MessageSent event for the reply within ${waitMs / 1000} s)`))
    // Give trailing events a moment to show.
    await sleep(500)

    log(
      `\n[demo  ] done: contract ${contract.id} active, job ${job.id} in progress, ` +
        `chat ${chat.conversationId} delivered in ${chat.latencyMs} ms and read, ${relevant.length} events seen`,
    )
    return {
      hirer: { id: hirer.id, email: hirerEmail },
      worker: { id: worker.id, email: workerEmail },
      job,
      application,
      contract,
      foundBySearch,
      recommended,
      events: [...relevant],
      chat,
    }
  } finally {
    await tap?.close()
  }
}

/** What {@link chatLive} needs from {@link runDemo}. */
interface ChatContext {
  baseUrl: string
  hirer: Session
  worker: Session
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
 * @throws ChatSocketError when a socket cannot open, closes, answers an `error` frame, or a frame
 *   does not come within `frameWaitMs`
 * @throws DemoFailed when a frame says something else than it should, or (with
 *   `requireEventEffects`) the job's conversation or the notifications do not show up in time
 */
async function chatLive(c: ChatContext): Promise<DemoChat> {
  const { hirer, worker, log, step, note } = c
  const frameLog = (who: string) => (f: ServerFrame) => {
    if (f.type === 'hello' || f.type === 'presence' || f.type === 'pong') return
    log(`[${who.padEnd(6)}] ws ← ${f.type}`)
  }
  const sockets: ChatSocket[] = []
  try {
    step('7. Both open a socket to the messaging service through the gateway (/ws)')
    let started = Date.now()
    const hirerWs = await openChatSocket({
      baseUrl: c.baseUrl,
      accessToken: hirer.accessToken,
      timeoutMs: c.frameWaitMs,
      onFrame: frameLog('hirer'),
    })
    sockets.push(hirerWs)
    note(`hirer connected in ${Date.now() - started} ms: ${describeHello(hirerWs.hello)}`)
    started = Date.now()
    const workerWs = await openChatSocket({
      baseUrl: c.baseUrl,
      accessToken: worker.accessToken,
      timeoutMs: c.frameWaitMs,
      onFrame: frameLog('worker'),
    })
    sockets.push(workerWs)
    note(`worker connected in ${Date.now() - started} ms: ${describeHello(workerWs.hello)}`)
    for (const [who, ws, id] of [
      ['hirer', hirerWs, hirer.id],
      ['worker', workerWs, worker.id],
    ] as const) {
      if (ws.hello.userId !== id)
        throw new DemoFailed(`the ${who}'s hello names ${String(ws.hello.userId)}, not ${id}`)
    }

    step('8. The hirer writes to the worker (chat frame)')
    const text = 'Hello Kofi, welcome aboard! Can we start with the room calendar on Monday?'
    const sentAt = Date.now()
    hirerWs.send({ type: 'chat', recipientId: worker.id, message: text })
    log(`[hirer ] ws → chat to ${worker.id}`)
    const delivered = await hirerWs.waitFor(
      'message_delivered',
      (f) => (f.message as ChatMessage | undefined)?.content === text,
      c.frameWaitMs,
    )
    const first = delivered.message as ChatMessage
    const conversationId = first.conversationId
    c.learn(conversationId, first.id)
    const received = await workerWs.waitFor(
      'new_message',
      (f) => (f.message as ChatMessage | undefined)?.id === first.id,
      c.frameWaitMs,
    )
    const deliveredMs = hirerWs.arrivedAt(delivered) - sentAt
    const latencyMs = workerWs.arrivedAt(received) - sentAt
    const got = received.message as ChatMessage
    if (got.senderId !== hirer.id || got.content !== text || received.conversationId !== conversationId)
      throw new DemoFailed(`the worker's new_message is not the hirer's message: ${JSON.stringify(received)}`)
    note(`hirer: message_delivered ${first.id} in conversation ${conversationId} after ${deliveredMs} ms`)
    note(`worker: new_message "${got.content.slice(0, 40)}…" after ${latencyMs} ms (send → partner)`)

    step('9. The worker types, then replies in that conversation (send_message)')
    workerWs.send({ type: 'typing_start', conversationId })
    log(`[worker] ws → typing_start`)
    const typing = await hirerWs.waitFor(
      'user_typing',
      (f) => f.from === worker.id && f.isTyping === true,
      c.frameWaitMs,
    )
    note(`hirer sees the worker typing (user_typing isTyping ${String(typing.isTyping)})`)
    const replyText = 'Thank you, Ama! Monday works. I will share a first calendar draft by Wednesday.'
    workerWs.send({ type: 'send_message', conversationId, content: replyText })
    log(`[worker] ws → send_message in ${conversationId}`)
    const replyDelivered = await workerWs.waitFor(
      'message_delivered',
      (f) => (f.message as ChatMessage | undefined)?.content === replyText,
      c.frameWaitMs,
    )
    const reply = replyDelivered.message as ChatMessage
    c.learn(reply.id)
    if (reply.conversationId !== conversationId)
      throw new DemoFailed(`the reply went to ${reply.conversationId}, not ${conversationId}`)
    await hirerWs.waitFor(
      'new_message',
      (f) => (f.message as ChatMessage | undefined)?.id === reply.id,
      c.frameWaitMs,
    )
    note(`reply ${reply.id} delivered; the hirer got it as new_message`)

    step('10. The hirer reads the reply (mark_read) → the worker gets a read receipt')
    hirerWs.send({ type: 'mark_read', messageIds: [reply.id] })
    log(`[hirer ] ws → mark_read [${reply.id}]`)
    const receipt = await workerWs.waitFor(
      'messages_read',
      (f) => Array.isArray(f.messageIds) && f.messageIds.includes(reply.id),
      c.frameWaitMs,
    )
    if (receipt.readBy !== hirer.id)
      throw new DemoFailed(
        `messages_read names ${String(receipt.readBy)} as reader, not the hirer ${hirer.id}`,
      )
    const readAt = String(receipt.readAt)
    note(`worker: messages_read by the hirer at ${readAt}`)
    await hirerWs.waitFor(
      'messages_marked_read',
      (f) => Array.isArray(f.messageIds) && f.messageIds.includes(reply.id),
      c.frameWaitMs,
    )

    step("11. The worker's conversations and notifications")
    // The job's conversation and the notifications are made from bus events: poll for them.
    const deadline = Date.now() + c.waitMs
    let conversations: Conversation[] = []
    let jobConversation: Conversation | undefined
    for (;;) {
      const res = await worker.call<Page<Conversation>>('GET', '/api/chat/conversations?limit=100', {
        expect: [200],
      })
      conversations = res.body.items
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
      const res = await worker.call<Page<AppNotification>>('GET', '/api/notifications?limit=100', {
        expect: [200],
      })
      const ours = res.body.items.filter(
        (n) => n.data?.jobId === c.jobId || n.data?.contractId === c.contractId,
      )
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
    await Promise.all(sockets.map((s) => s.close()))
  }
}

/** `unread messages 0, unread notifications 2` of a `hello` frame. */
function describeHello(hello: ServerFrame): string {
  const unread = hello.unreadMessages as { total?: number } | undefined
  return `hello (unread messages ${unread?.total ?? 0}, unread notifications ${Number(hello.unreadNotifications ?? 0)})`
}

/** Poll `GET /api/jobs/recommended` until it lists `jobId` or the time is up. */
async function pollRecommended(worker: Session, jobId: string, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const res = await worker.call<Page<{ job?: Job; id?: string }>>(
      'GET',
      '/api/jobs/recommended?limit=100',
      { expect: [200] },
    )
    if (res.body.items.some((r) => (r.job?.id ?? r.id) === jobId)) return true
    if (Date.now() > deadline) return false
    await sleep(500)
  }
}

/** Read the job until its status is `status` or the time is up; returns the last read. */
async function pollJobStatus(session: Session, jobId: string, status: string, waitMs: number): Promise<Job> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const res = await session.call('GET', `/api/jobs/${jobId}`, { expect: [200] })
    const job = unwrap<Job>(res.body, 'job')
    if (job.status === status || Date.now() > deadline) return job
    await sleep(300)
  }
}

if (isMain(import.meta.url)) {
  try {
    await runDemo({
      baseUrl: process.env.KELMAH_URL ?? 'http://127.0.0.1:5000',
      maildevUrl: process.env.MAILDEV_URL ?? 'http://127.0.0.1:1080',
      amqpUrl: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    })
  } catch (err) {
    if (err instanceof ChatSocketError) {
      console.error(`\n[demo  ] FAILED (WebSocket): ${err.message}`)
    } else if (err instanceof UnexpectedStatus) {
      console.error(
        `\n[demo  ] FAILED: ${err.method} ${err.path} answered ${err.status}: ${describeBody(err.body)}`,
      )
    } else {
      console.error(`\n[demo  ] FAILED: ${(err as Error).message}`)
    }
    process.exitCode = 1
  }
}
