/**
 * The bus's one AMQP connection: amqp-connection-manager, which reconnects after the broker goes
 * away and re-runs each channel's setup, with every connection event logged.
 */
import { AmqpConnectionManagerClass, type AmqpConnectionManager } from 'amqp-connection-manager'
import type { Logger } from 'pino'

/**
 * A connection manager for `opts.url` (not yet connected: channels connect it).
 *
 * @param opts.heartbeatSeconds - AMQP heartbeat in seconds (0 disables)
 * @param opts.reconnectDelayMs - wait between reconnection attempts, in milliseconds
 */
export function connectionManager(
  opts: { url: string; heartbeatSeconds: number; reconnectDelayMs: number },
  logger: Logger,
): AmqpConnectionManager {
  const manager = new AmqpConnectionManagerClass(opts.url, {
    heartbeatIntervalInSeconds: opts.heartbeatSeconds,
    reconnectTimeInSeconds: opts.reconnectDelayMs / 1000,
  })
  manager.on('connect', () => logger.info('connected to RabbitMQ'))
  manager.on('disconnect', ({ err }: { err?: Error }) =>
    logger.warn({ err }, 'disconnected from RabbitMQ; reconnecting'),
  )
  manager.on('connectFailed', ({ err }: { err?: Error }) =>
    logger.warn({ err: err?.message }, 'connecting to RabbitMQ failed; retrying'),
  )
  manager.on('blocked', ({ reason }: { reason?: string }) =>
    logger.warn({ reason }, 'RabbitMQ blocked the connection'),
  )
  return manager
}
