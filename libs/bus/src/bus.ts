/**
 * The event bus: confirmed publish and consume/ack/retry/dead-letter on RabbitMQ, with inbox
 * dedupe in MongoDB (docs/architecture.md, Events; docs/conventions.md, Events and handlers).
 *
 * Connections and channels come from amqp-connection-manager, which reconnects after the broker
 * goes away and re-runs each channel's setup function, so exchanges, queues, bindings, prefetch
 * and consumers are declared again on every new connection.
 */
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager'
import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib'
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api'
import {
  contextFromEvent,
  contextOfTraceparent,
  isProducer,
  routingKeyOf,
  traceparentOf,
  tracingActive,
  validateEvent,
  type DomainEvent,
  type EventOf,
  type EventType,
  type Producer,
} from '@kelmah/contracts'
import type { Logger } from 'pino'
import { connectionManager } from './connection.js'
import { NonRetryableError, PublishError } from './errors.js'
import { Inbox } from './inbox.js'
import {
  assertConsumerTopology,
  assertExchange,
  checkRetryDelays,
  DEFAULT_EXCHANGE,
  DEFAULT_RETRY_DELAYS_MS,
  HEADERS,
  forwardOptions,
  queueNames,
  truncateHeader,
} from './topology.js'
import type { BusOptions, Handler, HandlerMap, SubscribeOptions, Subscription } from './bus-types.js'
import { noBusMetrics, type BusMetrics, type QueueDepth } from './metrics.js'

/**
 * The bus's spans (docs/operations.md, Traces). The bus, not amqplib's instrumentation, makes the
 * messaging spans because the envelope is the carrier: the outbox relay publishes long after the
 * request that made the event, amqp-connection-manager may send a queued message from another
 * message's async context, and a dead-lettered event replayed days later still names its trace.
 */
const tracer = trace.getTracer('@kelmah/bus')

/** Mark `span` failed with `err` (OpenTelemetry's exception event and an error status). */
function failSpan(span: Span, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err))
  span.recordException(error)
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message })
}

interface SubscriptionState extends Subscription {
  readonly purpose: string
  readonly types: readonly EventType[]
  readonly handlers: HandlerMap
  readonly prefetch: number
  readonly channel: ChannelWrapper
  /** Set when the bus closes: the setup function must not consume again. */
  stopped: boolean
  /** The raw channel and consumer tag currently consuming, to cancel on close. */
  current?: { channel: Channel; consumerTag: string }
}

/**
 * A service's connection to the event bus.
 *
 * ```ts
 * const bus = new Bus({ url, service: 'payment', logger, inbox: mongooseConnection })
 * await bus.start()
 * await bus.subscribe('release-on-approval', { MilestoneApproved: MilestoneApprovedHandler }, { prefetch: 5 })
 * await bus.publish(createEvent('PaymentReleased', data, { producer: 'payment' }))
 * await bus.close()
 * ```
 *
 * Delivery: publish resolves after the broker's confirm; consumers get each event at least once,
 * the inbox dedupes by event id so handlers run once per event unless a crash falls between the
 * effect and the inbox record (see {@link Handler}). Producers that must not lose an event if
 * they die right after a state change use the outbox ({@link OutboxRelay}), not `publish` directly.
 */
export class Bus {
  readonly #opts: Required<Omit<BusOptions, 'inbox' | 'logger' | 'producer' | 'metrics' | 'queueType'>>
  readonly #metrics: BusMetrics
  readonly #queueType: 'classic' | 'quorum'
  /** A channel of its own for `queueDepths()` (a failed check closes its channel; never the publisher's). */
  #statsChannel: ChannelWrapper | undefined
  readonly #producer: Producer
  readonly #logger: Logger
  readonly #inbox: Inbox
  readonly #manager: AmqpConnectionManager
  readonly #publisher: ChannelWrapper
  readonly #subscriptions: SubscriptionState[] = []
  /** Handlers running now; `close()` waits for them. */
  readonly #inFlight = new Set<Promise<void>>()
  /** Per inbox key: the handling in progress, so a duplicate waits and then sees the record. */
  readonly #byKey = new Map<string, Promise<void>>()
  /** Raw channels known to be closed: acking on them is pointless (the broker redelivers). */
  readonly #deadChannels = new WeakSet<Channel>()
  #started = false
  #closed = false

  /**
   * @throws TypeError or RangeError for a bad service name, prefetch or retry delay
   */
  constructor(options: BusOptions) {
    this.#opts = {
      url: options.url,
      service: options.service,
      exchange: options.exchange ?? DEFAULT_EXCHANGE,
      prefetch: options.prefetch ?? 10,
      retryDelaysMs: [...(options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS)],
      publishTimeoutMs: options.publishTimeoutMs ?? 10_000,
      reconnectDelayMs: options.reconnectDelayMs ?? 1000,
      heartbeatSeconds: options.heartbeatSeconds ?? 5,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    }
    this.#producer = options.producer ?? (isProducer(options.service) ? options.service : 'test')
    this.#metrics = options.metrics ?? noBusMetrics
    this.#queueType = options.queueType ?? 'classic'
    checkRetryDelays(this.#opts.retryDelaysMs)
    queueNames(this.#opts.service, 'check', []) // validates the service name early
    if (!Number.isInteger(this.#opts.prefetch) || this.#opts.prefetch < 1) {
      throw new RangeError(`prefetch ${this.#opts.prefetch} must be a whole number ≥ 1`)
    }
    this.#logger = options.logger.child({ component: 'bus', service: options.service })
    this.#inbox = new Inbox(options.inbox)
    this.#manager = connectionManager(this.#opts, this.#logger)
    const exchange = this.#opts.exchange
    this.#publisher = this.#manager.createChannel({
      name: 'publisher',
      confirm: true,
      publishTimeout: this.#opts.publishTimeoutMs,
      setup: (channel: ConfirmChannel) => {
        channel.on('error', (err: Error) => this.#logger.error({ err }, 'publisher channel closed by broker'))
        return assertExchange(channel, exchange)
      },
    })
    this.#publisher.on('error', (err: Error) => this.#logger.error({ err }, 'publisher channel setup failed'))
  }

  /** Every queue of this bus's subscriptions (main, retry and dead-letter), e.g. for test clean-up. */
  queueNames(): string[] {
    return this.#subscriptions.flatMap((s) => [s.queues.main, ...s.queues.retry, s.queues.dlq])
  }

  /** The exchange this bus publishes to. */
  get exchange(): string {
    return this.#opts.exchange
  }

  /**
   * Connect and declare the exchange. Reconnection after a later loss is automatic.
   *
   * @throws Error when no connection is made within `connectTimeoutMs` or the credentials are
   *   refused (the manager keeps retrying in the background until `close()`)
   */
  async start(): Promise<void> {
    if (this.#closed) throw new Error('bus is closed')
    if (this.#started) return
    this.#started = true
    await this.#manager.connect({ timeout: this.#opts.connectTimeoutMs })
    await this.#publisher.waitForConnect()
  }

  /** True while connected to the broker (for `/health/ready`). */
  isConnected(): boolean {
    return this.#started && !this.#closed && this.#manager.isConnected()
  }

  /**
   * Publish `event` to the exchange with its catalogue routing key, as persistent JSON with
   * `messageId` = event id and `type` = event type. Resolves once the broker confirms it.
   * While disconnected the message waits (inside `publishTimeoutMs`) and goes out on reconnect.
   *
   * A topic exchange drops messages no queue is bound to; that is a confirmed publish too.
   *
   * @throws EventValidationError (from `@kelmah/contracts`) when the event breaks its schema
   * @throws PublishError on a broker nack, a closed bus or no confirm within `publishTimeoutMs`
   */
  async publish(event: DomainEvent): Promise<void> {
    const valid = validateEvent(event)
    if (this.#closed) throw new PublishError('bus is closed', valid.id)
    if (!tracingActive()) return this.#send(valid)
    // A producer span, child of the hop that made the event (its envelope traceparent) or else of
    // the active span; the envelope goes out carrying this span, which the consumer continues.
    const parent = contextOfTraceparent(valid.traceparent) ?? context.active()
    const span = tracer.startSpan(
      `publish ${valid.type}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'rabbitmq',
          'messaging.operation.type': 'send',
          'messaging.operation.name': 'publish',
          'messaging.destination.name': this.#opts.exchange,
          'messaging.rabbitmq.destination.routing_key': routingKeyOf(valid.type),
          'messaging.message.id': valid.id,
          ...(valid.correlationId ? { 'messaging.message.conversation_id': valid.correlationId } : {}),
        },
      },
      parent,
    )
    const spanContext = trace.setSpan(parent, span)
    const traceparent = traceparentOf(spanContext)
    try {
      await context.with(spanContext, () => this.#send(traceparent ? { ...valid, traceparent } : valid))
    } catch (err) {
      failSpan(span, err)
      throw err
    } finally {
      span.end()
    }
  }

  /** Send a validated envelope and wait for the broker's confirm. */
  async #send(valid: EventOf<EventType>): Promise<void> {
    const routingKey = routingKeyOf(valid.type)
    try {
      await this.#publisher.publish(this.#opts.exchange, routingKey, Buffer.from(JSON.stringify(valid)), {
        persistent: true,
        contentType: 'application/json',
        messageId: valid.id,
        type: valid.type,
        timestamp: Math.floor(Date.parse(valid.occurredAt) / 1000),
        appId: this.#opts.service,
        ...(valid.correlationId ? { correlationId: valid.correlationId } : {}),
      })
      this.#metrics.published(valid.type, 'confirmed')
    } catch (err) {
      this.#metrics.published(valid.type, 'failed')
      throw new PublishError(
        `publishing ${valid.type} ${valid.id} failed: ${(err as Error).message}`,
        valid.id,
        {
          cause: err,
        },
      )
    }
  }

  /**
   * Consume the event types of `handlers` from queue `<service>.<purpose>`: declare the queue, its retry queues and its
   * DLQ, bind the routing keys, set prefetch and start consuming. Declarations run again on
   * every reconnect. May be called before `start()`; it then resolves once the bus connects.
   *
   * For each message: parse and validate (invalid → DLQ, never retried); skip and ack if the
   * inbox already has its event id; call the handler of its type; record in the inbox; ack. A handler error
   * retries after the next delay of `retryDelaysMs`; when those are spent, or for a
   * {@link NonRetryableError}, the message is parked in `<queue>.dlq` with the error message,
   * attempt count and original routing key in its headers. A message is only acked after its
   * copy in a retry queue or the DLQ is confirmed, so nothing is acked and dropped.
   *
   * @param purpose - what this consumer does; second part of the queue name
   * @param handlers - one handler per event type ({@link HandlerMap}); the types are bound by
   *   their catalogue routing keys. Each handler must make its effect idempotent ({@link Handler}).
   * @param opts - `prefetch`: unacked messages for this consumer, chosen on purpose
   * @throws Error when the bus is closed, the purpose is already subscribed, or the broker
   *   refuses the declarations (e.g. 406 when an existing queue has other arguments)
   */
  async subscribe(purpose: string, handlers: HandlerMap, opts: SubscribeOptions = {}): Promise<Subscription> {
    if (this.#closed) throw new Error('bus is closed')
    const types = (Object.keys(handlers) as EventType[]).filter((t) => typeof handlers[t] === 'function')
    if (types.length === 0) throw new TypeError('subscribe needs at least one event handler')
    const queues = queueNames(this.#opts.service, purpose, this.#opts.retryDelaysMs)
    if (this.#subscriptions.some((s) => s.queues.main === queues.main)) {
      throw new Error(`already subscribed as ${queues.main}`)
    }
    const prefetch = opts.prefetch ?? this.#opts.prefetch
    if (!Number.isInteger(prefetch) || prefetch < 1)
      throw new RangeError(`prefetch ${prefetch} must be a whole number ≥ 1`)
    const routingKeys = types.map((t) => routingKeyOf(t))
    // A refused declaration closes the channel before the wrapper reports 'connect', so its
    // waitForConnect() would never settle: the setup reports failure here instead.
    let failSetup: ((err: Error) => void) | undefined
    const setupFailed = new Promise<never>((_resolve, reject) => (failSetup = reject))
    setupFailed.catch(() => undefined)
    const state: SubscriptionState = {
      purpose,
      types,
      handlers,
      prefetch,
      queues,
      stopped: false,
      channel: this.#manager.createChannel({
        name: queues.main,
        confirm: false,
        setup: async (channel: Channel) => {
          if (state.stopped) return
          channel.once('close', () => this.#deadChannels.add(channel))
          // amqplib emits a server-side channel close (406, 404) as 'error' on the channel; with
          // no listener that throws and kills the process. The manager reopens it on reconnect.
          channel.on('error', (err: Error) =>
            this.#logger.error({ err, queue: queues.main }, 'consumer channel closed by broker'),
          )
          try {
            await assertConsumerTopology(
              channel,
              this.#opts.exchange,
              queues,
              this.#opts.retryDelaysMs,
              routingKeys,
              this.#queueType,
            )
            await channel.prefetch(prefetch, false)
            const { consumerTag } = await channel.consume(queues.main, (msg) => {
              if (msg) this.#track(this.#onMessage(state, channel, msg))
            })
            state.current = { channel, consumerTag }
          } catch (err) {
            failSetup?.(err as Error)
            throw err
          }
        },
      }),
    }
    state.channel.on('error', (err: Error) =>
      this.#logger.error({ err, queue: queues.main }, 'consumer channel setup failed'),
    )
    this.#subscriptions.push(state)
    try {
      await Promise.race([state.channel.waitForConnect(), setupFailed])
    } catch (err) {
      state.stopped = true
      this.#subscriptions.splice(this.#subscriptions.indexOf(state), 1)
      await state.channel.close().catch(() => undefined)
      throw err
    } finally {
      failSetup = undefined
    }
    this.#logger.info({ queue: queues.main, routingKeys, prefetch }, 'consuming')
    return { queues }
  }

  /**
   * Messages ready in each subscription's main queue and dead-letter queue, as the broker counts
   * them now (a passive declare per queue, on a channel of its own). For the metrics' queue-depth
   * gauge (`DLQ not empty` alert); queues whose check fails are left out.
   */
  async queueDepths(): Promise<QueueDepth[]> {
    if (this.#closed || !this.isConnected() || this.#subscriptions.length === 0) return []
    if (!this.#statsChannel) {
      this.#statsChannel = this.#manager.createChannel({ name: 'stats', confirm: false })
      this.#statsChannel.on('error', () => undefined)
    }
    await this.#statsChannel.waitForConnect()
    const out: QueueDepth[] = []
    for (const sub of this.#subscriptions) {
      for (const [kind, name] of [
        ['main', sub.queues.main],
        ['dlq', sub.queues.dlq],
      ] as const) {
        try {
          const { messageCount } = await this.#statsChannel.checkQueue(name)
          out.push({ queue: sub.queues.main, kind, messages: messageCount })
        } catch {
          // Not declared yet (the subscription is still connecting) or the broker went away.
        }
      }
    }
    return out
  }

  /**
   * Stop consuming, wait for the handlers running now to finish (their acks still go out), then
   * close the channels and the connection. Messages delivered but not acked return to their
   * queue. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const sub of this.#subscriptions) {
      sub.stopped = true
      const current = sub.current
      if (current && !this.#deadChannels.has(current.channel)) {
        await current.channel.cancel(current.consumerTag).catch(() => undefined)
      }
    }
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight])
    await Promise.allSettled(this.#subscriptions.map((s) => s.channel.close()))
    await this.#publisher.close().catch(() => undefined)
    await this.#statsChannel?.close().catch(() => undefined)
    await this.#manager.close().catch(() => undefined)
    this.#logger.info('bus closed')
  }

  #track(work: Promise<void>): void {
    this.#inFlight.add(work)
    void work.finally(() => this.#inFlight.delete(work))
  }

  async #onMessage(sub: SubscriptionState, channel: Channel, msg: ConsumeMessage): Promise<void> {
    const headers = msg.properties.headers ?? {}
    const attempt = Number(headers[HEADERS.attempt] ?? 1) || 1
    const routingKey = String(headers[HEADERS.routingKey] ?? msg.fields.routingKey)
    let logger = this.#logger.child({
      queue: sub.queues.main,
      attempt,
      messageId: msg.properties.messageId as string | undefined,
    })
    try {
      let event: DomainEvent
      try {
        event = validateEvent(JSON.parse(msg.content.toString('utf8'))) as DomainEvent
        if (!sub.types.includes(event.type)) {
          throw new NonRetryableError(`event type ${event.type} is not consumed by ${sub.queues.main}`)
        }
      } catch (err) {
        // The same bytes fail the same way every time: no retry.
        logger.error({ err }, 'invalid message; dead-lettering')
        await this.#deadLetter(sub, channel, msg, err as Error, attempt, routingKey)
        this.#metrics.consumed(sub.queues.main, 'dead_lettered')
        return
      }
      logger = logger.child({ eventId: event.id, type: event.type })
      const key = `${sub.queues.main}:${event.id}`
      // Serialise handling of one event id in this process: a duplicate that arrives while the
      // first copy is being handled waits for it and then finds the inbox record.
      const previous = this.#byKey.get(key)
      const current = (previous ?? Promise.resolve()).then(() =>
        tracingActive()
          ? this.#handleTraced(sub, channel, msg, event, attempt, routingKey, logger)
          : this.#handle(sub, channel, msg, event, attempt, routingKey, logger),
      )
      const settled = current.catch(() => undefined)
      this.#byKey.set(key, settled)
      await current.finally(() => {
        if (this.#byKey.get(key) === settled) this.#byKey.delete(key)
      })
    } catch (err) {
      // Could not even move the message on (e.g. the broker went away): leave it unacked so the
      // broker redelivers it, or return it now if the channel still lives.
      logger.error({ err }, 'message handling failed; returning it to the queue')
      this.#settle(channel, msg, 'requeue')
      this.#metrics.consumed(sub.queues.main, 'requeued')
    }
  }

  /**
   * {@link Bus.#handle} inside a consumer span, child of the envelope's `traceparent` (the
   * producer's span), or a new trace for an event that has none. The handler, its MongoDB and
   * Redis calls, and the events it causes (their context's `traceparent`) are in that span.
   */
  async #handleTraced(
    sub: SubscriptionState,
    channel: Channel,
    msg: ConsumeMessage,
    event: DomainEvent,
    attempt: number,
    routingKey: string,
    logger: Logger,
  ): Promise<void> {
    const parent = contextOfTraceparent(event.traceparent) ?? ROOT_CONTEXT
    const span = tracer.startSpan(
      `process ${event.type}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'rabbitmq',
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'process',
          'messaging.destination.name': this.#opts.exchange,
          'messaging.destination.subscription.name': sub.queues.main,
          'messaging.rabbitmq.destination.routing_key': routingKey,
          'messaging.message.id': event.id,
          ...(event.correlationId ? { 'messaging.message.conversation_id': event.correlationId } : {}),
          'messaging.rabbitmq.message.delivery_tag': msg.fields.deliveryTag,
          'kelmah.bus.attempt': attempt,
        },
      },
      parent,
    )
    const spanContext = trace.setSpan(parent, span)
    try {
      await context.with(spanContext, () =>
        this.#handle(sub, channel, msg, event, attempt, routingKey, logger),
      )
    } catch (err) {
      failSpan(span, err)
      throw err
    } finally {
      span.end()
    }
  }

  async #handle(
    sub: SubscriptionState,
    channel: Channel,
    msg: ConsumeMessage,
    event: DomainEvent,
    attempt: number,
    routingKey: string,
    logger: Logger,
  ): Promise<void> {
    let failure: Error | undefined
    try {
      if (await this.#inbox.has(sub.queues.main, event.id)) {
        logger.debug('duplicate event; acking without handling')
        this.#settle(channel, msg, 'ack')
        this.#metrics.consumed(sub.queues.main, 'duplicate')
        return
      }
      const handler = sub.handlers[event.type] as Handler<EventType>
      const started = performance.now()
      let ok = false
      try {
        // With the SDK on, the events the handler causes carry its consumer span (the active one).
        const traceparent = tracingActive() ? traceparentOf() : undefined
        await handler(event, {
          ...contextFromEvent(event, this.#producer),
          ...(traceparent ? { traceparent } : {}),
          attempt,
          redelivered: msg.fields.redelivered,
          queue: sub.queues.main,
          routingKey,
          logger,
        })
        ok = true
      } finally {
        this.#metrics.handled(sub.queues.main, event.type, (performance.now() - started) / 1000, ok)
      }
      await this.#inbox.record(sub.queues.main, event.id, event.type)
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err))
    }
    if (!failure) {
      this.#settle(channel, msg, 'ack')
      this.#metrics.consumed(sub.queues.main, 'handled')
      return
    }
    const span = trace.getActiveSpan()
    if (span) failSpan(span, failure)
    const delays = this.#opts.retryDelaysMs
    if (failure instanceof NonRetryableError || attempt > delays.length) {
      logger.error({ err: failure }, 'handler failed for good; dead-lettering')
      await this.#deadLetter(sub, channel, msg, failure, attempt, routingKey)
      this.#metrics.consumed(sub.queues.main, 'dead_lettered')
      return
    }
    const delay = delays[attempt - 1]!
    logger.warn({ err: failure, retryInMs: delay }, 'handler failed; retrying later')
    await this.#forward(channel, msg, sub.queues.retry[attempt - 1]!, {
      [HEADERS.attempt]: attempt + 1,
      [HEADERS.routingKey]: routingKey,
      [HEADERS.error]: truncateHeader(failure.message),
    })
    this.#metrics.consumed(sub.queues.main, 'retried')
  }

  async #deadLetter(
    sub: SubscriptionState,
    channel: Channel,
    msg: ConsumeMessage,
    err: Error,
    attempt: number,
    routingKey: string,
  ): Promise<void> {
    await this.#forward(channel, msg, sub.queues.dlq, {
      [HEADERS.error]: truncateHeader(err.message),
      [HEADERS.errorName]: err.name,
      [HEADERS.attempts]: attempt,
      [HEADERS.routingKey]: routingKey,
      [HEADERS.failedAt]: new Date().toISOString(),
      [HEADERS.queue]: sub.queues.main,
    })
  }

  /**
   * Copy `msg` to `queue` (default exchange) with confirms, then ack the original. If the
   * delivering channel died meanwhile, skip: the broker redelivers the original anyway.
   */
  async #forward(
    channel: Channel,
    msg: ConsumeMessage,
    queue: string,
    extra: Record<string, unknown>,
  ): Promise<void> {
    if (this.#deadChannels.has(channel)) return
    await this.#publisher.sendToQueue(queue, msg.content, forwardOptions(msg, extra))
    this.#settle(channel, msg, 'ack')
  }

  #settle(channel: Channel, msg: ConsumeMessage, how: 'ack' | 'requeue'): void {
    // A delivery tag belongs to the channel that delivered it; acking it on another channel (or
    // a closed one) is a protocol error, and the broker redelivers unacked messages anyway.
    if (this.#deadChannels.has(channel)) return
    try {
      if (how === 'ack') channel.ack(msg)
      else channel.nack(msg, false, true)
    } catch (err) {
      this.#logger.warn({ err }, `could not ${how} a message; the broker will redeliver it`)
    }
  }
}
