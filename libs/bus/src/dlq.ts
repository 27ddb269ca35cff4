/**
 * Operator tools for dead-letter queues: list parked messages without losing them, and replay
 * them into their main queue. Used by the `dlq` CLI (`src/cli/dlq.ts`) and by tests.
 *
 * Both work with `basic.get` on a confirm channel: every message read is held unacked until the
 * end, then those not replayed are returned (`nack` with requeue), so a list is a look, not a
 * take. Returned messages keep their content and headers; RabbitMQ marks them redelivered.
 */
import amqp, { type ConfirmChannel, type GetMessage } from 'amqplib'
import { dlqName, HEADERS } from './topology.js'

/** One dead-lettered message, as an operator sees it. */
export interface DeadLetter {
  /** Event id (the AMQP `messageId`), if the message had one. */
  id: string | undefined
  /** Event type (the AMQP `type`), if the message had one. */
  type: string | undefined
  /** Message of the error that parked it. */
  error: string | undefined
  /** Attempts made before it was parked. */
  attempts: number | undefined
  /** Routing key it was first published with. */
  routingKey: string | undefined
  /** When it was parked (ISO-8601). */
  failedAt: string | undefined
  /** Size of the body in bytes. */
  bytes: number
}

/** Options shared by {@link listDeadLetters} and {@link replayDeadLetters}. */
export interface DlqOptions {
  /** AMQP URL. */
  url: string
  /** The main queue (`<service>.<purpose>`); its DLQ is `<queue>.dlq`. */
  queue: string
  /** Read at most this many messages. Default 10 000. */
  limit?: number
}

/** Options of {@link replayDeadLetters}: exactly one of `id` and `all`. */
export interface ReplayOptions extends DlqOptions {
  /** Replay only the message whose event id is this. */
  id?: string
  /** Replay every message. */
  all?: boolean
}

/** What {@link replayDeadLetters} did. */
export interface ReplayResult {
  /** Event ids sent back to the main queue. */
  replayed: (string | undefined)[]
  /** Messages left in the DLQ. */
  kept: number
}

function describe(msg: GetMessage): DeadLetter {
  const h = msg.properties.headers ?? {}
  const str = (v: unknown) =>
    v === undefined || v === null
      ? undefined
      : typeof v === 'object'
        ? JSON.stringify(v)
        : (v as string | number).toString()
  return {
    id: str(msg.properties.messageId),
    type: str(msg.properties.type),
    error: str(h[HEADERS.error]),
    attempts: h[HEADERS.attempts] === undefined ? undefined : Number(h[HEADERS.attempts]),
    routingKey: str(h[HEADERS.routingKey]),
    failedAt: str(h[HEADERS.failedAt]),
    bytes: msg.content.length,
  }
}

async function withDlq<R>(
  opts: DlqOptions,
  work: (channel: ConfirmChannel, messages: GetMessage[]) => Promise<R>,
): Promise<R> {
  const connection = await amqp.connect(opts.url)
  // amqplib re-emits a server-side channel close (e.g. 404 for a missing DLQ) as an 'error' event
  // on the connection and channel; unheard, it would crash the process instead of rejecting.
  connection.on('error', () => undefined)
  try {
    const channel = await connection.createConfirmChannel()
    channel.on('error', () => undefined)
    const dlq = dlqName(opts.queue)
    // checkQueue fails (404) instead of creating a queue that was never there.
    const { messageCount } = await channel.checkQueue(dlq)
    const limit = Math.min(messageCount, opts.limit ?? 10_000)
    const messages: GetMessage[] = []
    while (messages.length < limit) {
      const msg = await channel.get(dlq, { noAck: false })
      if (!msg) break
      messages.push(msg)
    }
    try {
      return await work(channel, messages)
    } finally {
      // Everything still held goes back to the DLQ.
      channel.nackAll(true)
      await channel.close().catch(() => undefined)
    }
  } finally {
    await connection.close().catch(() => undefined)
  }
}

/**
 * List the messages parked in `<queue>.dlq`, oldest first, leaving them there.
 *
 * @throws Error when the DLQ does not exist (404) or the broker is unreachable
 */
export async function listDeadLetters(opts: DlqOptions): Promise<DeadLetter[]> {
  return withDlq(opts, async (_channel, messages) => messages.map(describe))
}

/**
 * Send parked messages back to their main queue `queue` (not to the exchange: other consumers
 * already handled them) with a fresh retry budget, then remove them from the DLQ once the broker
 * confirms the copy. Original routing key and other headers are kept.
 *
 * @throws TypeError unless exactly one of `id` and `all` is given
 * @throws Error when the DLQ does not exist or a copy is not confirmed (nothing is removed then)
 */
export async function replayDeadLetters(opts: ReplayOptions): Promise<ReplayResult> {
  if ((opts.id === undefined) === !opts.all)
    throw new TypeError('replay needs exactly one of --id <eventId> or --all')
  return withDlq(opts, async (channel, messages) => {
    const chosen = messages.filter((m) => opts.all || m.properties.messageId === opts.id)
    for (const msg of chosen) {
      const headers = { ...(msg.properties.headers ?? {}) }
      for (const k of [
        HEADERS.attempt,
        HEADERS.error,
        HEADERS.errorName,
        HEADERS.attempts,
        HEADERS.failedAt,
        HEADERS.queue,
      ]) {
        delete headers[k]
      }
      channel.sendToQueue(opts.queue, msg.content, {
        persistent: true,
        contentType: msg.properties.contentType as string | undefined,
        messageId: msg.properties.messageId as string | undefined,
        type: msg.properties.type as string | undefined,
        correlationId: msg.properties.correlationId as string | undefined,
        timestamp: msg.properties.timestamp as number | undefined,
        headers,
      })
    }
    await channel.waitForConfirms()
    for (const msg of chosen) channel.ack(msg)
    return {
      replayed: chosen.map((m) => m.properties.messageId as string | undefined),
      kept: messages.length - chosen.length,
    }
  })
}
