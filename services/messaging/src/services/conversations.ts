/**
 * Conversation use cases: find or create (a unique insert on the pair-and-job key), the
 * participant check every route and frame makes, views, lists, and the lookups the socket
 * protocol and the event handlers need. A stranger gets the same 404 as an unknown id.
 */
import type { EventContext } from '@kelmah/contracts'
import {
  afterPosition,
  isDuplicateKey,
  pageOf,
  type AggregateStore,
  type Clock,
  type CursorValue,
  LatestWrites,
} from '@kelmah/service-kit'
import type { FastifyBaseLogger } from 'fastify'
import { Types, type Model } from 'mongoose'
import {
  activityAfter,
  activityGuard,
  checkOther,
  conversationKey,
  openConversation,
} from '../domain/conversation.js'
import { ConversationNotFound } from '../errors.js'
import type { ConversationDoc, LastMessage } from '../models/conversation.js'
import type { MessageDoc } from '../models/message.js'
import type { Directory } from './directory.js'
import { conversationView, dateIdCursor, objectIdOf, type ConversationView } from './views.js'

/** What {@link Conversations} needs. */
export interface ConversationDeps {
  /** The conversations' store (`ConversationCreated` rides in the insert). */
  store: AggregateStore<ConversationDoc>
  /**
   * The models every read here goes through (unread counts, lists, lookups): on FerretDB the safe
   * pool (`app.safeModel`), so reads do not queue behind the guarded connection. Writes go through
   * `store` (its create a unique insert, its `write` a guarded update on the primary connection).
   */
  reads: { Conversation: Model<ConversationDoc>; Message: Model<MessageDoc> }
  /** Users and jobs as known from events: what a user-opened conversation is checked against. */
  directory: Directory
  now: Clock
  /** Where a list-position write that failed after its retries is reported. */
  log: Pick<FastifyBaseLogger, 'error'>
}

/** The conversation use cases. */
export class Conversations {
  readonly #d: ConversationDeps
  readonly #Conversation: Model<ConversationDoc>
  /**
   * Conversations by id and by key, for the fields that never change (id, key, participants,
   * job): every frame checks participation, and on FerretDB each saved round trip counts. Bounded
   * (oldest dropped first); `lastMessage`/`lastActivityAt` are never read from it.
   */
  readonly #cache = new Map<string, ConversationDoc>()

  /** The written-behind list positions ({@link noteActivity}), by conversation id. */
  readonly #activity: LatestWrites<string, { conv: ConversationDoc; last: LastMessage }>

  constructor(deps: ConversationDeps) {
    this.#d = deps
    this.#Conversation = deps.reads.Conversation
    this.#activity = new LatestWrites({
      write: async (_id, { conv, last }) => {
        await deps.store.write({ _id: conv._id, ...activityGuard(last.createdAt) }, activityAfter(last))
      },
      supersedes: (next, queued) => next.last.createdAt >= queued.last.createdAt,
      // Two at a time over all conversations: the relay's commands share the one guarded
      // connection (at 25 pairs, unlimited: 0.16 writes per message and the relay 0.02 reads;
      // two: 0.06 and 0.06–0.08, the same latency; README "Performance").
      maxInFlight: 2,
      onError: (err, id, { last }) =>
        deps.log.error(
          { err, conversationId: id, messageId: last.id },
          'conversation activity not written: its list position and preview stay at an older message until the next one',
        ),
    })
  }

  /**
   * The conversation of `me` and `other` about `jobId` (or none), created when missing (with
   * `ConversationCreated` in `ctx`).
   *
   * When a user asks (`createdBy` set) and the conversation does not exist yet, `other` must be an active user known from
   * `UserRegistered`, and a `jobId` must be a job of which one of the two is the hirer and the
   * other a worker who applied or holds its contract (`src/services/directory.ts`). Event-opened
   * conversations (`createdBy` null) are vouched for by the event's producer.
   *
   * @param createdBy - the user who asked, or null when an event opened it
   * @returns the conversation and whether this call created it
   * @throws SelfConversation (field `participantId`) when `me === other`; UserNotFound (field
   *   `participantId`); JobNotFound (field `jobId`)
   */
  async findOrCreate(
    me: string,
    other: string,
    jobId: string | null,
    createdBy: string | null,
    ctx: EventContext,
  ): Promise<{ conversation: ConversationDoc; created: boolean }> {
    checkOther(me, other)
    const key = conversationKey(me, other, jobId)
    const cached = this.#cache.get(key)
    if (cached) return { conversation: cached, created: false }
    const existing = await this.#Conversation.findOne({ key }).lean()
    if (existing) return { conversation: this.#remember(existing), created: false }
    // Only a new conversation is checked: an existing one was checked (or vouched for by an
    // event) when it was opened, and sending into it checks the recipient (Messages).
    if (createdBy !== null) {
      await Promise.all([
        this.#d.directory.requireUser(other, { field: 'participantId', in: 'body' }, { active: true }),
        jobId ? this.#d.directory.checkJobParties(jobId, me, other) : undefined,
      ])
    }
    const { doc, events } = openConversation(
      { id: new Types.ObjectId(), me, other, jobId, createdBy },
      this.#d.now(),
      ctx,
    )
    try {
      const created = await this.#d.store.create(doc, events)
      return { conversation: this.#remember(created), created: true }
    } catch (err) {
      // Lost the race on the unique key: the winner's conversation is THE conversation.
      if (!isDuplicateKey(err)) throw err
      const winner = await this.#Conversation.findOne({ key }).lean()
      if (!winner) throw err
      return { conversation: this.#remember(winner), created: false }
    }
  }

  #remember(conv: ConversationDoc): ConversationDoc {
    if (this.#cache.size >= 20_000) {
      for (const k of [...this.#cache.keys()].slice(0, 2_000)) this.#cache.delete(k)
    }
    this.#cache.set(conv.key, conv)
    this.#cache.set(conv._id.toHexString(), conv)
    return conv
  }

  /** A conversation by id for a participant check, from the cache when possible. */
  async #byId(id: string): Promise<ConversationDoc | null> {
    const cached = this.#cache.get(id)
    if (cached) return cached
    const _id = objectIdOf(id)
    const conv = _id ? await this.#Conversation.findOne({ _id }).lean() : null
    return conv ? this.#remember(conv) : null
  }

  /** The conversation `id` if `me` takes part in it. @throws ConversationNotFound otherwise */
  async conversationOf(id: string, me: string): Promise<ConversationDoc> {
    const conv = await this.#byId(id)
    if (!conv || !conv.participantIds.includes(me)) throw new ConversationNotFound()
    return conv
  }

  /**
   * The conversation `id` as stored now (read by `_id`, never from the cache: its last message is
   * current) if `me` takes part in it — for a view, in one read.
   *
   * @throws ConversationNotFound otherwise
   */
  async currentOf(id: string, me: string): Promise<ConversationDoc> {
    const _id = objectIdOf(id)
    await this.#settledOne(id)
    const conv = _id ? await this.#Conversation.findOne({ _id }).lean() : null
    if (!conv || !conv.participantIds.includes(me)) throw new ConversationNotFound()
    return this.#remember(conv)
  }

  /**
   * The view of `conv` for `me`, with its unread count. The document is read again unless
   * `fresh` (it may come from the cache, whose last-message fields are stale).
   */
  async view(given: ConversationDoc, me: string, fresh = false): Promise<ConversationView> {
    if (!fresh) await this.#settledOne(given._id.toHexString())
    const conv = fresh ? given : ((await this.#Conversation.findOne({ _id: given._id }).lean()) ?? given)
    const unread = await this.#unreadIn([conv], me)
    return conversationView(conv, me, unread.get(conv._id.toHexString()) ?? 0)
  }

  /**
   * `me`'s unread messages in each of `convs`, by conversation id: ONE find of the unread
   * messages' conversation ids, counted here. Not `countDocuments` per conversation: FerretDB
   * 1.24 runs a count as an aggregation that reads every match in Go (≈ 20× a find here, see
   * docs/ferretdb.md), and a page of 20 conversations made 20 of them. `recipientId` (top-level
   * equality) is what FerretDB on PostgreSQL pushes down; the rest is filtered over those.
   */
  async #unreadIn(convs: readonly ConversationDoc[], me: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>()
    if (convs.length === 0) return counts
    const ids = convs.map((c) => c._id.toHexString())
    const rows = await this.#d.reads.Message.find(
      {
        recipientId: me,
        readAt: null,
        deletedAt: null,
        conversationId: ids.length === 1 ? ids[0] : { $in: ids },
      },
      { _id: 0, conversationId: 1 },
    ).lean()
    for (const r of rows) counts.set(r.conversationId, (counts.get(r.conversationId) ?? 0) + 1)
    return counts
  }

  /** `me`'s conversations, most recent activity first, a cursor page at a time. @throws BadRequest for a bad cursor */
  async list(
    me: string,
    q: { limit: number; cursor?: string },
  ): Promise<{ items: ConversationView[]; nextCursor: string | null }> {
    const after = dateIdCursor(q.cursor)
    await this.#settledFor(me)
    const filter: Record<string, unknown> = { participantIds: me }
    if (after)
      Object.assign(
        filter,
        afterPosition('lastActivityAt', [after.at.toISOString(), after.id.toHexString()], {
          toKey: () => after.at,
          toId: () => after.id,
        }),
      )
    const rows = await this.#Conversation
      .find(filter)
      .sort({ lastActivityAt: -1, _id: -1 })
      .limit(q.limit + 1)
      .lean()
    const page = pageOf(rows, q.limit, (c): CursorValue[] => [
      c.lastActivityAt.toISOString(),
      c._id.toHexString(),
    ])
    // The page's rows are fresh (just read): no re-read, and one query for all their unread counts.
    const unread = await this.#unreadIn(page.items, me)
    return {
      items: page.items.map((c) => conversationView(c, me, unread.get(c._id.toHexString()) ?? 0)),
      nextCursor: page.nextCursor,
    }
  }

  /**
   * Move `conv`'s list position to `last`, written behind: the message insert was the commit
   * point, and this derived write must not hold up delivery (on FerretDB every guarded write
   * queues on the one connection; see docs/ferretdb.md). At most one write per conversation is
   * in flight; messages sent meanwhile collapse into one write of the newest. The write is guarded
   * ({@link activityGuard}): an older message never wins, whichever instance writes last.
   * Reads of this instance wait for it (see {@link list}); a crash before it loses only the
   * preview, until the conversation's next message.
   */
  noteActivity(conv: ConversationDoc, last: LastMessage): void {
    this.#activity.note(conv._id.toHexString(), { conv, last })
  }

  /** The written-behind list positions, for metrics: keys pending, writes given up. */
  get activityWrites(): { readonly pending: number; readonly failed: number } {
    return this.#activity
  }

  /** Write out every noted activity (shutdown, before the database closes). */
  close(): Promise<void> {
    return this.#activity.close()
  }

  /** Resolves once this instance's pending activity write for conversation `id` is done. */
  #settledOne(id: string): Promise<void> {
    return this.#activity.settled((pending) => pending === id)
  }

  /** Resolves once this instance's pending activity writes for conversations of `me` are done. */
  #settledFor(me: string): Promise<void> {
    return this.#activity.settled((_id, { conv }) => conv.participantIds.includes(me))
  }

  /**
   * Empty the list preview of `conversationId` when its last message is `messageId` (that
   * message was deleted or removed: its text must not live on in conversation lists). One
   * guarded write, no read; a conversation whose last message is another one is left alone.
   */
  async blankPreview(conversationId: string, messageId: string): Promise<void> {
    const _id = objectIdOf(conversationId)
    // The deleted message may be the one whose activity write is still queued: write it first.
    await this.#settledOne(conversationId)
    if (_id)
      await this.#d.store.write({ _id, 'lastMessage.id': messageId }, { set: { 'lastMessage.preview': '' } })
  }

  /**
   * Conversations tied to `jobId` (for job-wide system messages). When the job's hirer is known,
   * only conversations the hirer takes part in: a conversation tagged with the job by anyone
   * else (possible before job tags were checked) never receives the job's system messages.
   */
  async ofJob(jobId: string): Promise<ConversationDoc[]> {
    const [rows, hirerId] = await Promise.all([
      this.#Conversation.find({ jobId }).lean(),
      this.#d.directory.hirerOf(jobId),
    ])
    return hirerId ? rows.filter((c) => c.participantIds.includes(hirerId)) : rows
  }

  /** True when `a` and `b` share at least one conversation. */
  async shared(a: string, b: string): Promise<boolean> {
    return (
      (await this.#Conversation.findOne({ participantIds: { $all: [a, b] } }, { _id: 1 }).lean()) !== null
    )
  }

  /** The users `me` shares a conversation with (presence is shown to them only). */
  async contactsOf(me: string): Promise<string[]> {
    const rows = await this.#Conversation.find({ participantIds: me }, { participantIds: 1 }).lean()
    return [...new Set(rows.flatMap((r) => r.participantIds).filter((p) => p !== me))]
  }
}
