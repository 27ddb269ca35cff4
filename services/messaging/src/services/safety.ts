/**
 * Blocks and reports. A blocked user cannot message or call the blocker; reports wait in the
 * admins' queue (`src/services/moderation.ts`), a report of a message with a copy of the message
 * as the reporter saw it.
 */
import type { Model } from 'mongoose'
import { Types } from 'mongoose'
import { MessageNotFound, SelfTarget } from '../errors.js'
import { isDuplicateKey, withFields, type Clock } from '@kelmah/service-kit'
import { snapshotOf } from '../domain/moderation.js'
import { blockId, type BlockDoc, type MessageSnapshot, type ReportDoc } from '../models/safety.js'
import type { ConversationDoc } from '../models/conversation.js'
import type { MessageDoc } from '../models/message.js'
import type { BlockCache } from './block-cache.js'
import type { Directory } from './directory.js'

/** What {@link Safety} needs. */
export interface SafetyDeps {
  Block: Model<BlockDoc>
  /**
   * Blocks as read by {@link Safety.blockedBy} (also the block cache's load on a miss):
   * `app.safeModel(Block)`, a read needing no isolation. Default `Block`.
   */
  BlockReads?: Model<BlockDoc>
  /** Block lists cached in Redis for {@link Safety.isBlocked}, loaded from `blocks` on a miss. */
  blockCache: BlockCache
  Report: Model<ReportDoc>
  Message: Model<MessageDoc>
  Conversation: Model<ConversationDoc>
  /** Blocks and reports name users that exist (`UserRegistered`); deactivated ones count. */
  directory: Directory
  now: Clock
}

/** A report as the API shows it. */
export interface ReportView {
  id: string
  userId: string
  messageId: string | null
  reason: string
  status: string
  createdAt: string
}

/** Block and report use cases. */
export class Safety {
  constructor(private readonly d: SafetyDeps) {}

  /** True when `blocker` blocked `blocked` (the blocker's list cached in Redis). */
  isBlocked(blocker: string, blocked: string): Promise<boolean> {
    return this.d.blockCache.isBlocked(blocker, blocked, () => this.blockedBy(blocker))
  }

  /**
   * `me` blocks `userId` (idempotent). A deactivated or suspended user can be blocked; one never
   * registered cannot.
   *
   * @returns whether the block is new
   * @throws SelfTarget; UserNotFound (field `userId`)
   */
  async block(me: string, userId: string): Promise<boolean> {
    if (me === userId)
      throw withFields(new SelfTarget('block'), [
        { field: 'userId', message: 'must be another user', in: 'params' },
      ])
    await this.d.directory.requireUser(userId, { field: 'userId', in: 'params' }, { active: false })
    let created = true
    try {
      await this.d.Block.collection.insertOne({
        _id: blockId(me, userId) as never,
        blockerId: me,
        blockedId: userId,
        createdAt: this.d.now(),
      })
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
      created = false
    }
    // Also on a repeat: a retry after a failed invalidation must clear the cached list.
    await this.d.blockCache.invalidate(me)
    return created
  }

  /** `me` lifts a block of `userId` (idempotent). @throws the Redis error of the cache invalidation (retry) */
  async unblock(me: string, userId: string): Promise<void> {
    await this.d.Block.deleteOne({ _id: blockId(me, userId) })
    await this.d.blockCache.invalidate(me)
  }

  /** The users `me` blocked. */
  async blockedBy(me: string): Promise<string[]> {
    return (await (this.d.BlockReads ?? this.d.Block).find({ blockerId: me }).lean()).map((b) => b.blockedId)
  }

  /**
   * Report a user, or a message `me` can see (its sender is the reported user). A user named by
   * id must exist (`UserRegistered`; deactivated and suspended users can be reported); a system
   * message has no user to report.
   *
   * @throws MessageNotFound for a message `me` cannot see; SelfTarget for reporting oneself;
   *   UserNotFound (field `userId`, or `messageId` for a message with no user behind it)
   */
  async report(
    me: string,
    r: { userId?: string; messageId?: string; reason: string; details?: string },
  ): Promise<ReportView> {
    let userId = r.userId
    let conversationId: string | null = null
    let snapshot: MessageSnapshot | null = null
    const now = this.d.now()
    if (r.messageId) {
      const _id = /^[0-9a-f]{24}$/i.test(r.messageId) ? new Types.ObjectId(r.messageId) : undefined
      const msg = _id ? await this.d.Message.findOne({ _id }).lean() : null
      const conv = msg
        ? await this.d.Conversation.findOne({ _id: new Types.ObjectId(msg.conversationId) }).lean()
        : null
      if (!msg || !conv || !conv.participantIds.includes(me)) throw new MessageNotFound()
      userId = msg.senderId
      conversationId = msg.conversationId
      snapshot = snapshotOf(msg, now)
    }
    if (!userId)
      throw withFields(new SelfTarget('report'), [
        { field: 'userId', message: 'userId or messageId is required' },
      ])
    if (userId === me)
      throw withFields(new SelfTarget('report'), [
        { field: r.messageId ? 'messageId' : 'userId', message: 'must not be yourself' },
      ])
    // A message's sender wrote in a conversation with `me`: they exist. A system message has no
    // user behind it, and a user named by id must be known from UserRegistered.
    if (!r.messageId || userId === 'system')
      await this.d.directory.requireUser(
        userId,
        { field: r.messageId ? 'messageId' : 'userId', in: 'body' },
        { active: false },
      )
    const doc = await this.d.Report.create({
      reporterId: me,
      userId,
      messageId: r.messageId ?? null,
      conversationId,
      reason: r.reason,
      details: r.details ?? null,
      status: 'open',
      snapshot,
      closure: null,
      createdAt: now,
      version: 0,
    })
    return {
      id: doc._id.toHexString(),
      userId,
      messageId: doc.messageId,
      reason: doc.reason,
      status: doc.status,
      createdAt: doc.createdAt.toISOString(),
    }
  }
}
