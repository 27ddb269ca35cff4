/**
 * Errors of the bus. Plain classes rather than `@fastify/error` codes: these never reach an HTTP
 * response, they steer what happens to a message (docs/conventions.md, Events and handlers: errors
 * say whether they are retryable).
 */

/**
 * Throw this from a handler when trying again cannot help (the event refers to something that
 * will never exist, a business rule rejects it for good). The message goes straight to the
 * dead-letter queue with this error's message, without using the retry budget.
 *
 * Any other error thrown by a handler is treated as retryable.
 */
export class NonRetryableError extends Error {
  override name = 'NonRetryableError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/**
 * `publish()` failed: the broker did not confirm the message (nack, channel closed for good) or
 * no confirm arrived within `publishTimeoutMs`. The event may or may not have reached the broker;
 * publish it again (consumers dedupe by event id).
 */
export class PublishError extends Error {
  override name = 'PublishError'
  /** Id of the event that was being published. */
  readonly eventId: string
  constructor(message: string, eventId: string, options?: { cause?: unknown }) {
    super(message, options)
    this.eventId = eventId
  }
}

/**
 * True when `err` is a unique-index violation (MongoDB error code 11000, from the driver or
 * mongoose): an insert lost to an existing document with the same key — the commit point of
 * every cross-process rule on FerretDB (docs/ferretdb.md).
 */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000
}
