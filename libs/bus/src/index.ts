/**
 * `@kelmah/bus` — the RabbitMQ event bus every service uses: topology, confirmed publish,
 * consume/ack/retry/dead-letter with inbox dedupe, the outbox relay and DLQ tools.
 * See README.md for the topology names and the delivery promise.
 */
export * from './bus.js'
export * from './bus-types.js'
export * from './errors.js'
export * from './inbox.js'
export * from './outbox.js'
export * from './topology.js'
export * from './dlq.js'
export * from './metrics.js'
