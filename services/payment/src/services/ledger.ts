/**
 * The ledger's write path: post a transfer (domain/ledger.ts) as ONE insert whose two unique keys
 * are the commit points — `_id`, the deterministic transfer id (a fact posted once, whoever
 * retries), and `slot`, the debited limited account's next sequence (one debit per balance read).
 * The events the transfer causes ride in its outbox, in the same insert.
 *
 * Why not a guarded update of a balance document: FerretDB does not isolate concurrent updates
 * of one document across connections (docs/ferretdb.md) — two payouts could both see the old
 * balance and both win. A unique insert has one winner on every backend, so a lost race is a
 * duplicate-key error and the loser reads again.
 */
import type { DomainEvent } from '@kelmah/contracts'
import { isDuplicateKey, type AggregateStore, type Clock } from '@kelmah/service-kit'
import type { Model } from 'mongoose'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  balanceOf,
  checkTransfer,
  placeTransfer,
  type PostedTransfer,
  type TransferDraft,
} from '../domain/ledger.js'
import type { TransferDoc } from '../models/transfer.js'

/** What {@link Ledger.post} did. */
export interface PostResult {
  transfer: PostedTransfer & { createdAt: Date }
  /** False when a transfer with this id was already on the ledger (this call changed nothing). */
  created: boolean
}

/** A lost slot race gives way to the winner; after this many, the caller's 409 (or the bus's retry). */
const MAX_SLOT_ATTEMPTS = 40

/** The stored document as the domain's transfer. */
function toPosted(doc: TransferDoc): PostedTransfer & { createdAt: Date } {
  const { _id, version: _v, outbox: _o, ...rest } = doc as TransferDoc & { outbox?: unknown }
  return { ...rest, id: _id }
}

/** The ledger: post transfers, read balances and histories. */
export class Ledger {
  readonly #store: AggregateStore<TransferDoc>
  readonly #now: Clock

  constructor(store: AggregateStore<TransferDoc>, now: Clock) {
    this.#store = store
    this.#now = now
  }

  /** The transfer `id`, or null. */
  async get(id: string): Promise<(PostedTransfer & { createdAt: Date }) | null> {
    const doc = await this.#store.get(id)
    return doc ? toPosted(doc) : null
  }

  /** Every transfer touching `account` (oldest first is not guaranteed). */
  async history(account: string): Promise<PostedTransfer[]> {
    const model = this.#store.model as Model<TransferDoc>
    const docs = await model.find({ accounts: account }).lean<TransferDoc[]>()
    return docs.map(toPosted)
  }

  /** The balance of `account` in minor units (credits − debits). */
  async balance(account: string): Promise<number> {
    return balanceOf(account, await this.history(account))
  }

  /**
   * Post `draft` with `events` in its outbox — once. When a transfer with the same id exists, it is
   * returned (`created: false`) and nothing is written: the caller compares its kind when several
   * facts share an id (a release and a refund of one escrow are both `settle:<escrowId>`).
   *
   * @throws LedgerRuleError for a malformed draft (a bug); InsufficientBalance when the debited
   *   limited account holds less than the debit; Error after {@link MAX_SLOT_ATTEMPTS} lost slot
   *   races (contention: the caller retries later)
   */
  async post(draft: TransferDraft, events: readonly DomainEvent[] = []): Promise<PostResult> {
    const debitAccount = checkTransfer(draft)
    for (let attempt = 0; attempt < MAX_SLOT_ATTEMPTS; attempt++) {
      const existing = await this.get(draft.id)
      if (existing) return { transfer: existing, created: false }
      const history = debitAccount ? await this.history(debitAccount) : []
      const placed = placeTransfer(draft, history)
      const { id, ...fields } = placed
      try {
        const doc = await this.#store.create(
          { ...fields, _id: id, createdAt: this.#now() } as TransferDoc,
          events,
        )
        return { transfer: toPosted(doc), created: true }
      } catch (err) {
        if (!isDuplicateKey(err)) throw err
        // Either the id (someone posted this fact: the next read returns it) or the slot (another
        // debit of the account won: read its balance again). Back off a little, growing.
        await sleep(Math.floor(Math.random() * (2 + attempt * 3)))
      }
    }
    throw new Error(`transfer ${draft.id}: ${MAX_SLOT_ATTEMPTS} lost races for a debit slot; try again`)
  }
}
