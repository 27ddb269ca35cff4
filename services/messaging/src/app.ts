/**
 * `buildApp()`: the messaging service — service-kit's shared mechanisms, the REST routes under
 * `/api/chat` and `/api/notifications`, the WebSocket hub at `/ws` and the event subscriptions.
 * Never listens (see `server.ts`); tests call it and listen on port 0 for sockets.
 */
import {
  AuditLog,
  auditRoutes,
  buildService,
  serviceOptions,
  type AppOptions,
  type KelmahApp,
} from '@kelmah/service-kit'
import type { FastifyInstance } from 'fastify'
import mongoose from 'mongoose'
import type { MessagingConfig } from './config.js'
import { parseFrameLimits } from './domain/limits.js'
import { ConversationNotFound, MessageNotFound, ReportNotFound } from './errors.js'
import { registerDirectoryHandlers } from './events/directory.js'
import { registerHandlers } from './events/handlers.js'
import { contractRefModel } from './models/contract-ref.js'
import { directoryModels } from './models/directory.js'
import { conversationModel, type ConversationDoc } from './models/conversation.js'
import { messageModel, type MessageDoc } from './models/message.js'
import { notificationModels } from './models/notification.js'
import { safetyModels, type ReportDoc } from './models/safety.js'
import { Calls } from './realtime/calls.js'
import { Hub } from './realtime/hub.js'
import { watchRevocations } from './realtime/revocation.js'
import { Presence } from './realtime/presence.js'
import { Protocol } from './realtime/protocol.js'
import { adminRoutes } from './routes/admin.js'
import { attachmentRoutes } from './routes/attachments.js'
import type { RouteOptions } from './routes/context.js'
import { conversationRoutes } from './routes/conversations.js'
import { notificationRoutes } from './routes/notifications.js'
import { safetyRoutes } from './routes/safety.js'
import { BlockCache } from './services/block-cache.js'
import { chatOf } from './services/chat.js'
import { Directory } from './services/directory.js'
import { Notifications } from './services/notifications.js'
import { Moderation } from './services/moderation.js'
import { MessageRateLimit } from './services/rate-limit.js'
import { Safety } from './services/safety.js'

/**
 * Options of {@link buildApp}: the configuration, the overrides every service takes (tests use a
 * unique database, exchange and service name, a fixed JWKS, a clock), and this service's own.
 */
export type BuildAppOptions = AppOptions & {
  config: MessagingConfig
  /** Overrides `config.REDIS_KEY_PREFIX` (tests use a unique one; two instances share it). */
  redisKeyPrefix?: string
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This instance's WebSocket hub (tests read its connection count). */
    hub: Hub
  }
}

/**
 * Build the messaging service: connects MongoDB and Redis, ensures indexes, registers every
 * route and the `/ws` upgrade handler. The bus, its subscriptions, the outbox relay and the hub's
 * heartbeats start on `ready()`.
 *
 * @throws Error when MongoDB or Redis cannot be reached
 */
export async function buildApp(opts: BuildAppOptions): Promise<KelmahApp> {
  const { config } = opts
  const app = await buildService(
    serviceOptions('messaging', config, opts, {
      openapi: {
        title: 'Kelmah messaging',
        description: 'Conversations, messages, notifications; the real-time hub at /ws.',
      },
    }),
  )
  try {
    const prefix = opts.redisKeyPrefix ?? config.REDIS_KEY_PREFIX
    const Conversation = conversationModel(app.mongo)
    const Message = messageModel(app.mongo)
    const { Notification, Preference } = notificationModels(app.mongo)
    const { Block, Report, ReportClosure } = safetyModels(app.mongo)
    const ContractRef = contractRefModel(app.mongo)
    const { UserRef, JobRef, JobParty } = directoryModels(app.mongo)
    await Promise.all(
      [
        Conversation,
        Message,
        Notification,
        Preference,
        Block,
        Report,
        ReportClosure,
        ContractRef,
        UserRef,
        JobRef,
        JobParty,
      ].map((m) => (m as typeof Message).init()),
    )

    const hub = new Hub({
      redis: app.redis,
      prefix,
      verify: app.verifyAccessToken,
      log: app.log,
      heartbeatMs: config.HEARTBEAT_INTERVAL_MS,
      maxFrameBytes: config.WS_MAX_FRAME_BYTES,
      hardMaxFrameBytes: config.WS_HARD_MAX_FRAME_BYTES,
      maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
      metrics: app.metrics.trackWebSockets((): number => hub.connections),
    })
    app.decorate('hub', hub)
    const presence = new Presence(app.redis, prefix, config.PRESENCE_TTL_MS, app.now)
    // Reads and unique inserts on the request paths go through the safe pool (on FerretDB a pool
    // beside the one connection every guarded update keeps; service-kit's app.mongoSafe).
    const directory = new Directory({
      UserRef,
      JobRef,
      JobParty,
      reads: {
        UserRef: app.safeModel(UserRef),
        JobRef: app.safeModel(JobRef),
        JobParty: app.safeModel(JobParty),
      },
      cacheMs: config.DIRECTORY_CACHE_MS,
      now: app.now,
    })
    const safety = new Safety({
      Block,
      BlockReads: app.safeModel(Block),
      blockCache: new BlockCache(app.redis, prefix),
      Report,
      Message,
      Conversation,
      directory,
      now: app.now,
    })
    // Their inserts (unique `dedupeKey`, unique `key`) on the safe pool, relayed at once; every
    // guarded change stays on app.mongo.
    const messages = app.store<MessageDoc>(Message, {
      name: 'message',
      notFound: () => new MessageNotFound(),
      safeCreate: true,
    })
    const chat = chatOf({
      conversations: app.store<ConversationDoc>(Conversation, {
        name: 'conversation',
        notFound: () => new ConversationNotFound(),
        safeCreate: true,
      }),
      messages,
      reads: { Conversation: app.safeModel(Conversation), Message: app.safeModel(Message) },
      push: hub,
      safety,
      directory,
      rateLimit: new MessageRateLimit(app.redis, prefix, {
        max: config.MESSAGE_RATE_MAX,
        windowS: config.MESSAGE_RATE_WINDOW_S,
      }),
      maxChars: config.MESSAGE_MAX_CHARS,
      now: app.now,
      log: app.log,
    })
    app.metrics.trackWriteBehind('conversation_activity', chat.conversations.activityWrites)
    const audit = new AuditLog(app.mongo, { now: app.now })
    const moderation = new Moderation({
      reports: app.store<ReportDoc>(Report, { name: 'report', notFound: () => new ReportNotFound() }),
      ReportClosure,
      messages,
      conversations: chat.conversations,
      push: hub,
      audit,
      attachmentFiles: app.mongo.collection('attachments.files'),
      now: app.now,
    })
    const notifications = new Notifications({ Notification, Preference, push: hub, now: app.now })
    // Calls and the protocol refer to each other (calls announce presence through the protocol).
    const late: { protocol?: Protocol } = {}
    const calls = new Calls({
      redis: app.redis,
      prefix,
      hub,
      chat,
      safety,
      presence,
      log: app.log,
      maxDurationS: config.CALL_MAX_DURATION_S,
      ringTimeoutS: config.CALL_RING_TIMEOUT_S,
      announce: (u) => late.protocol?.announce(u) ?? Promise.resolve(),
    })
    const protocol = new Protocol({
      hub,
      chat,
      notifications,
      safety,
      presence,
      calls,
      log: app.log,
      typingTimeoutMs: config.TYPING_TIMEOUT_MS,
      typingRelayIntervalMs: config.TYPING_RELAY_INTERVAL_MS,
      frameLimits: parseFrameLimits(config.WS_FRAME_LIMITS),
      maxSocketsPerUser: config.WS_MAX_SOCKETS_PER_USER,
      producer: app.producer,
    })
    late.protocol = protocol
    hub.setHandlers(protocol)
    hub.onHeartbeat = (conns) =>
      presence.refresh(
        conns.filter((c) => !protocol.isRefused(c)).map((c) => ({ userId: c.userId, connId: c.id })),
      )
    app.server.on('upgrade', (request, socket, head) => hub.handleUpgrade(request, socket, head))
    const revocations = watchRevocations({ redis: app.redis, hub, log: app.log })
    app.addHook('onReady', () => revocations.ready)
    app.addHook('onClose', () => revocations.close())

    app.addHook('onReady', async () => {
      await hub.start()
      if (!opts.skipSubscriptions) {
        await registerHandlers({ bus: app.bus, chat, notifications, ContractRef })
        await registerDirectoryHandlers({ bus: app.bus, directory })
      }
    })
    // Sockets close before the bus, Redis and MongoDB do (service-kit closes those in onClose).
    app.addHook('preClose', async () => {
      calls.stop()
      await hub.close()
      // The list positions written behind the sends go out while the database is still open.
      await chat.conversations.close()
    })

    const routeOptions: RouteOptions = {
      chat,
      notifications,
      safety,
      attachments: new mongoose.mongo.GridFSBucket(app.mongo.db!, { bucketName: 'attachments' }),
      attachmentMaxBytes: config.ATTACHMENT_MAX_BYTES,
    }
    await app.register(
      async (scope: FastifyInstance) => {
        await scope.register(conversationRoutes, routeOptions)
        await scope.register(safetyRoutes, routeOptions)
        await scope.register(attachmentRoutes, routeOptions)
        await scope.register(adminRoutes, { moderation })
      },
      { prefix: '/api/chat' },
    )
    await app.register(notificationRoutes, { ...routeOptions, prefix: '/api/notifications' })
    // GET /api/chat/admin/audit: every admin action of this service, newest first (admins).
    await app.register(auditRoutes, { service: 'chat', log: audit })
    return app
  } catch (err) {
    await app.close()
    throw err
  }
}
