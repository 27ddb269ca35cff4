/**
 * Idempotency records of money-moving requests (domain/idempotency.ts): the record is inserted
 * before any side effect, naming the resource the request creates, so a retry — after a crash, a
 * timeout, a 502 from Stripe — continues the same work on the same resource instead of starting
 * another, and a finished request's response is replayed.
 *
 * A record is leased while its request runs ({@link LEASE_MS}): a concurrent duplicate gets 409
 * "still being processed" instead of racing the first through Stripe; a request that failed on a
 * transient error gives the lease back at once, so the client's immediate retry proceeds.
 */
import { isDuplicateKey, type Clock } from '@kelmah/service-kit'
import type { Model } from 'mongoose'
import { fingerprint, idempotencyRecordId, isIdempotencyKey } from '../domain/idempotency.js'
import {
  IdempotencyKeyInFlight,
  IdempotencyKeyRequired,
  IdempotencyKeyReused,
  withFields,
} from '../errors.js'
import type { IdempotencyDoc } from '../models/idempotency.js'

/** How long a running request holds its key (milliseconds); a crashed one's key frees after it. */
export const LEASE_MS = 30_000

/** A stored final response. */
export interface StoredResponse {
  status: number
  body: unknown
}

/** What {@link IdempotentRequests.begin} found. */
export type Begun =
  { kind: 'replay'; response: StoredResponse } | { kind: 'run'; recordId: string; resourceId: string }

/** The idempotency records. */
export class IdempotentRequests {
  readonly #model: Model<IdempotencyDoc>
  readonly #now: Clock

  constructor(model: Model<IdempotencyDoc>, now: Clock) {
    this.#model = model
    this.#now = now
  }

  /**
   * Start (or resume) the request `operation` by `userId` with `key` and `body`.
   *
   * @param newResourceId - called once when this is the key's first request: the id of the
   *   resource it will create (it may throw a domain error, e.g. 409 already funded)
   * @returns `replay` with the first request's response, or `run` with the resource to work on
   * @throws IdempotencyKeyRequired (400) for a missing or malformed key; IdempotencyKeyReused (422)
   *   for the same key with another request; IdempotencyKeyInFlight (409) while the first request
   *   with the key still runs
   */
  async begin(
    operation: string,
    userId: string,
    key: string | string[] | undefined,
    body: unknown,
    newResourceId: () => Promise<string>,
  ): Promise<Begun> {
    if (!isIdempotencyKey(key)) {
      throw withFields(new IdempotencyKeyRequired(), [
        { field: 'Idempotency-Key', message: 'is required (header): 1–255 visible ASCII characters' },
      ])
    }
    const id = idempotencyRecordId(operation, userId, key)
    const print = fingerprint(operation, body)
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await this.#model.findById(id).lean()
      if (existing) return this.#resume(existing, print)
      const resourceId = await newResourceId()
      try {
        await this.#model.create({
          _id: id,
          operation,
          userId,
          fingerprint: print,
          resourceId,
          response: null,
          lockedUntil: new Date(this.#now().getTime() + LEASE_MS),
        })
        return { kind: 'run', recordId: id, resourceId }
      } catch (err) {
        if (!isDuplicateKey(err)) throw err
      }
    }
    throw new IdempotencyKeyInFlight()
  }

  /** A retry or a concurrent duplicate of a recorded request. */
  async #resume(existing: IdempotencyDoc, print: string): Promise<Begun> {
    if (existing.fingerprint !== print) throw new IdempotencyKeyReused()
    if (existing.response) return { kind: 'replay', response: existing.response }
    const now = this.#now()
    if (existing.lockedUntil && existing.lockedUntil > now) throw new IdempotencyKeyInFlight()
    const res = await this.#model.updateOne(
      { _id: existing._id, lockedUntil: existing.lockedUntil },
      { $set: { lockedUntil: new Date(now.getTime() + LEASE_MS), updatedAt: now } },
    )
    if (res.modifiedCount !== 1) throw new IdempotencyKeyInFlight()
    return { kind: 'run', recordId: existing._id, resourceId: existing.resourceId }
  }

  /** Record the request's final response (a retry replays it) and end the lease. */
  async finish(recordId: string, response: StoredResponse): Promise<void> {
    await this.#model.updateOne(
      { _id: recordId },
      { $set: { response, lockedUntil: null, updatedAt: this.#now() } },
    )
  }

  /** End the lease without a response (a transient failure: the client's retry continues the work). */
  async release(recordId: string): Promise<void> {
    await this.#model.updateOne({ _id: recordId }, { $set: { lockedUntil: null, updatedAt: this.#now() } })
  }

  /**
   * Run `work` under the lease of `recordId`: its result is recorded as the final response (a
   * retry replays it); a thrown error gives the lease back and is rethrown, so the client's retry
   * with the same key continues the same work. A refusal that must be replayed as such (e.g. a
   * payout above the balance) is returned by `work` as a response, not thrown.
   */
  async run<T extends StoredResponse>(recordId: string, work: () => Promise<T>): Promise<T> {
    try {
      const response = await work()
      await this.finish(recordId, response)
      return response
    } catch (err) {
      await this.release(recordId)
      throw err
    }
  }
}
