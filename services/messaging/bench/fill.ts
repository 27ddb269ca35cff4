/**
 * Fill a messaging database with what `npm run seed` leaves in it (infra/seed.ts, default
 * `--users=200 --jobs=1000`): 200 users, a conversation for every application (hirer ↔ worker,
 * about the job; ≈ 2,500), system messages in the contracts' conversations, chat history in
 * some hundreds of them, and in-app notifications — written straight through the models'
 * collections (batched `insertMany`, no outbox entries, no relay work), so the benchmark measures
 * a database of realistic size, not an empty one.
 */
import { Types, type Connection } from 'mongoose'
import { conversationKey, canonicalPair } from '../src/domain/conversation.js'
import { conversationModel } from '../src/models/conversation.js'
import { directoryModels, jobPartyId } from '../src/models/directory.js'
import { messageModel } from '../src/models/message.js'
import { notificationModels } from '../src/models/notification.js'

/** How much to write; the defaults are the size of the default seed. */
export interface FillSize {
  users: number
  /** Conversations, one per application (about its job). */
  conversations: number
  /** Of those, how many hold a chat history of `messagesPerConversation` messages. */
  chatty: number
  messagesPerConversation: number
  notifications: number
}

/** The default seed's size (200 users, ≈ 2,500 applications, ≈ 100 contracts). */
export const SEED_SIZE: FillSize = {
  users: 200,
  conversations: 2_500,
  chatty: 400,
  messagesPerConversation: 12,
  notifications: 4_000,
}

/** What {@link fill} wrote, by collection. */
export interface FillCounts {
  users: number
  conversations: number
  messages: number
  notifications: number
  ms: number
  /** Users with a chat history (for a list benchmark): `seed-u-<n>`. */
  sampleUser: string
}

async function inBatches(rows: object[], write: (batch: object[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) await write(rows.slice(i, i + 500))
}

/** Write {@link FillSize} worth of seed-like data into `conn`'s messaging collections. */
export async function fill(conn: Connection, size: FillSize = SEED_SIZE): Promise<FillCounts> {
  const started = performance.now()
  const Conversation = conversationModel(conn)
  const Message = messageModel(conn)
  const { Notification } = notificationModels(conn)
  const { UserRef, JobRef, JobParty } = directoryModels(conn)
  const t0 = new Date(Date.now() - 30 * 86_400_000)
  const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000)
  const user = (i: number) => `seed-u-${i % size.users}`
  // A fifth of the users hire, the rest work (the seed's mix).
  const hirers = Math.max(1, Math.floor(size.users / 5))

  const users = Array.from({ length: size.users }, (_, i) => ({
    _id: user(i),
    role: i < hirers ? 'hirer' : 'worker',
    registeredAt: t0,
    deactivatedAt: null,
    suspended: false,
    suspensionAt: null,
  }))
  await inBatches(users, (b) => UserRef.collection.insertMany(b))

  const conversations: Array<Record<string, unknown>> = []
  const jobs: object[] = []
  const parties: object[] = []
  for (let c = 0; c < size.conversations; c++) {
    const hirer = user(c % hirers)
    const worker = user(hirers + ((c * 7) % (size.users - hirers)))
    const jobId = `seed-job-${c}`
    const createdAt = at(c)
    jobs.push({ _id: jobId, hirerId: hirer })
    parties.push({ _id: jobPartyId(jobId, worker), jobId, workerId: worker, via: 'ApplicationSubmitted' })
    conversations.push({
      _id: new Types.ObjectId(),
      key: conversationKey(hirer, worker, jobId),
      participantIds: canonicalPair(hirer, worker),
      jobId,
      createdBy: null,
      createdAt,
      lastActivityAt: createdAt,
      lastMessage: null,
      version: 0,
      outbox: [],
    })
  }

  const messages: object[] = []
  for (let c = 0; c < size.conversations; c++) {
    const conv = conversations[c]!
    const [a, b] = conv.participantIds as [string, string]
    const own: Array<{
      senderId: string
      recipientId: string | null
      type: string
      content: string
      kind: string | null
      unread: boolean
    }> = []
    // About one application in 25 became a signed contract: its system message.
    if (c % 25 === 0)
      own.push({
        senderId: 'system',
        recipientId: null,
        type: 'system',
        content: 'Contract "Seeded job" was signed by both parties',
        kind: 'contract_signed',
        unread: false,
      })
    const n = c < size.chatty ? size.messagesPerConversation : 0
    for (let m = 0; m < n; m++) {
      const sender = m % 2 === 0 ? a : b
      own.push({
        senderId: sender,
        recipientId: sender === a ? b : a,
        type: 'text',
        content: `seeded message ${m} of conversation ${c}: when can you start?`,
        kind: null,
        // The last two are unread.
        unread: m >= n - 2,
      })
    }
    const base = (conv.createdAt as Date).getTime()
    own.forEach(({ unread, ...m }, i) => {
      const _id = new Types.ObjectId()
      const createdAt = new Date(base + (i + 1) * 60_000)
      messages.push({
        _id,
        conversationId: (conv._id as Types.ObjectId).toHexString(),
        ...m,
        attachment: null,
        call: null,
        dedupeKey: `m:${_id.toHexString()}`,
        clientId: null,
        createdAt,
        readAt: m.type === 'text' && !unread ? createdAt : null,
        editedAt: null,
        deletedAt: null,
        version: 0,
        outbox: [],
      })
      if (i === own.length - 1) {
        conv.lastActivityAt = createdAt
        conv.lastMessage = {
          id: _id.toHexString(),
          senderId: m.senderId,
          type: m.type,
          preview: m.content.slice(0, 140),
          createdAt,
        }
      }
    })
  }

  const kinds = ['application_received', 'application_accepted', 'contract_signed', 'milestone_submitted']
  const notifications = Array.from({ length: size.notifications }, (_, i) => ({
    _id: `seed-event-${i}:${user(i)}`,
    userId: user(i),
    kind: kinds[i % kinds.length]!,
    title: 'Seeded notification',
    body: `Something happened on seeded job ${i}`,
    data: { jobId: `seed-job-${i % size.conversations}` },
    unread: i % 3 === 0 ? 1 : 0,
    createdAt: at(i),
    readAt: i % 3 === 0 ? null : at(i + 1),
  }))

  await inBatches(jobs, (b) => JobRef.collection.insertMany(b))
  await inBatches(parties, (b) => JobParty.collection.insertMany(b))
  await inBatches(conversations, (b) => Conversation.collection.insertMany(b))
  await inBatches(messages, (b) => Message.collection.insertMany(b))
  await inBatches(notifications, (b) => Notification.collection.insertMany(b))
  return {
    users: users.length,
    conversations: conversations.length,
    messages: messages.length,
    notifications: notifications.length,
    ms: performance.now() - started,
    sampleUser: user(0),
  }
}
