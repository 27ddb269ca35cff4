/**
 * The contract facts the review service keeps from the job and payment services' events
 * (models/facts.ts), and the opening of review windows.
 *
 * A window opens (one insert keyed by the contract id) as soon as both of its conditions are
 * known, whichever event comes last: `ContractCompleted`; or `ContractCancelled` and a
 * `PaymentReleased` of the same contract, in either order. Each handler first inserts its own
 * fact, then reads the others: of two handlers racing on two instances, the one that inserts last
 * sees the other's fact, so the window is never missed, and the unique insert makes it open once.
 */
import type { EventOf } from '@kelmah/contracts'
import { isDuplicateKey } from '@kelmah/service-kit'
import { windowFor, type Ending, type Parties } from '../domain/eligibility.js'
import type { ContractFactsDoc, EndingDoc, WindowDoc } from '../models/index.js'
import type { ReviewDeps } from './deps.js'

/** Insert `doc` into `model`; false when its key exists already. */
async function insertOnce(model: { create(doc: object): Promise<unknown> }, doc: object): Promise<boolean> {
  try {
    await model.create(doc)
    return true
  } catch (err) {
    if (isDuplicateKey(err)) return false
    throw err
  }
}

/** What is known of one contract. */
export interface ContractKnowledge {
  contractId: string
  facts: ContractFactsDoc | null
  ending: EndingDoc | null
  window: WindowDoc | null
  parties: Parties | null
}

/** The contract facts and windows. */
export class Contracts {
  readonly #d: ReviewDeps

  constructor(deps: ReviewDeps) {
    this.#d = deps
  }

  /** `ContractCreated` / `ContractSigned`: the parties and the title. */
  async known(event: EventOf<'ContractCreated'> | EventOf<'ContractSigned'>): Promise<void> {
    const f = event.data
    await insertOnce(this.#d.models.ContractFacts, {
      _id: f.contractId,
      jobId: f.jobId,
      hirerId: f.hirerId,
      workerId: f.workerId,
      title: f.title,
      receivedAt: this.#d.now(),
    })
  }

  /** `ContractCompleted` / `ContractCancelled`: record the ending, then open the window if due. */
  async ended(event: EventOf<'ContractCompleted'> | EventOf<'ContractCancelled'>): Promise<void> {
    const d = event.data
    await insertOnce(this.#d.models.Ending, {
      _id: d.contractId,
      jobId: d.jobId,
      hirerId: d.hirerId,
      workerId: d.workerId,
      outcome: event.type === 'ContractCompleted' ? 'completed' : 'cancelled',
      endedAt: new Date(event.occurredAt),
      receivedAt: this.#d.now(),
    })
    await this.openIfDue(d.contractId)
  }

  /** `PaymentReleased`: one more paid milestone; a cancelled contract may now open its window. */
  async paid(event: EventOf<'PaymentReleased'>): Promise<void> {
    const d = event.data
    await insertOnce(this.#d.models.Payment, {
      _id: `${d.contractId}:${d.milestoneId}`,
      contractId: d.contractId,
      milestoneId: d.milestoneId,
      paidAt: new Date(event.occurredAt),
    })
    await this.openIfDue(d.contractId)
  }

  /** Open the contract's window when its ending (and, for a cancellation, a payment) is known. */
  async openIfDue(contractId: string): Promise<void> {
    const m = this.#d.models
    if (await m.Window.exists({ _id: contractId })) return
    const ending = await m.Ending.findById(contractId).lean<EndingDoc>()
    if (!ending) return
    const firstPaid =
      ending.outcome === 'cancelled'
        ? await m.Payment.findOne({ contractId }).sort({ paidAt: 1 }).lean()
        : null
    const window = windowFor(
      { outcome: ending.outcome, endedAt: ending.endedAt } satisfies Ending,
      firstPaid?.paidAt ?? null,
      this.#d.config.REVIEW_WINDOW_DAYS,
    )
    if (!window) return
    await insertOnce(m.Window, {
      _id: contractId,
      jobId: ending.jobId,
      hirerId: ending.hirerId,
      workerId: ending.workerId,
      ...window,
      closedAt: null,
    })
  }

  /** Everything known of `contractId`. */
  async knowledge(contractId: string): Promise<ContractKnowledge> {
    const m = this.#d.models
    const [facts, ending, window] = await Promise.all([
      m.ContractFacts.findById(contractId).lean<ContractFactsDoc>(),
      m.Ending.findById(contractId).lean<EndingDoc>(),
      m.Window.findById(contractId).lean<WindowDoc>(),
    ])
    const source = window ?? ending ?? facts
    return {
      contractId,
      facts,
      ending,
      window,
      parties: source ? { hirerId: source.hirerId, workerId: source.workerId } : null,
    }
  }

  /** `UserRegistered`: the user's first name (version 0). */
  async registered(event: EventOf<'UserRegistered'>): Promise<void> {
    await this.#name(event.data.userId, 0, event.data.name)
  }

  /** `ProfileUpdated`: a newer display name, when it has one and it changed. */
  async profile(event: EventOf<'ProfileUpdated'>): Promise<void> {
    const { userId, profileVersion, displayName } = event.data
    if (!displayName.trim()) return
    const latest = await this.#d.models.DisplayName.findOne({ userId }).sort({ version: -1 }).lean()
    if (latest && (latest.version >= profileVersion || latest.name === displayName)) return
    await this.#name(userId, profileVersion, displayName)
  }

  async #name(userId: string, version: number, name: string): Promise<void> {
    await insertOnce(this.#d.models.DisplayName, { _id: `${userId}:${version}`, userId, version, name })
  }

  /** The latest display name of each of `userIds` (absent when never heard). */
  async names(userIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>()
    if (userIds.length === 0) return out
    const rows = await this.#d.models.DisplayName.find({ userId: { $in: [...new Set(userIds)] } }).lean()
    const best = new Map<string, number>()
    for (const r of rows) {
      if ((best.get(r.userId) ?? -1) < r.version) {
        best.set(r.userId, r.version)
        out.set(r.userId, r.name)
      }
    }
    return out
  }

  /** The title of each of `contractIds` (absent when its facts were never heard). */
  async titles(contractIds: readonly string[]): Promise<Map<string, string>> {
    if (contractIds.length === 0) return new Map()
    const rows = await this.#d.models.ContractFacts.find(
      { _id: { $in: [...new Set(contractIds)] } },
      { title: 1 },
    ).lean()
    return new Map(rows.map((r) => [r._id, r.title]))
  }
}
