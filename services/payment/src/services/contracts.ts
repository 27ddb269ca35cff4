/**
 * The contracts read model (models/contract.ts) kept from the job service's events. Each change
 * is idempotent on its own (inserts keyed by the contract id, status moves guarded by the status
 * they leave), on top of the bus's inbox dedupe, and tolerates events out of order
 * (`ContractSigned` before `ContractCreated`).
 */
import type { EventOf } from '@kelmah/contracts'
import { isDuplicateKey } from '@kelmah/service-kit'
import type { ContractViewDoc } from '../models/index.js'
import type { PaymentDeps } from './deps.js'

type Facts = EventOf<'ContractCreated'>['data']

/** The contracts read model. */
export class ContractsView {
  readonly #d: PaymentDeps

  constructor(deps: PaymentDeps) {
    this.#d = deps
  }

  /** The document for `facts` in `status`. */
  #doc(facts: Facts, status: ContractViewDoc['status']): ContractViewDoc {
    const now = this.#d.now()
    return {
      _id: facts.contractId,
      jobId: facts.jobId,
      hirerId: facts.hirerId,
      workerId: facts.workerId,
      title: facts.title,
      status,
      milestones: facts.milestones.map((m) => ({
        milestoneId: m.milestoneId,
        title: m.title,
        amount: { amountMinor: m.amount.amountMinor, currency: m.amount.currency },
        work: 'open' as const,
      })),
      signedAt: status === 'active' ? now : null,
      updatedAt: now,
    }
  }

  /** Insert, or report that the contract is already known. */
  async #insert(doc: ContractViewDoc): Promise<boolean> {
    try {
      await this.#d.models.Contract.create(doc)
      return true
    } catch (err) {
      if (isDuplicateKey(err)) return false
      throw err
    }
  }

  /** `ContractCreated`: known, awaiting signatures (funding answers 409 until it is signed). */
  async created(event: EventOf<'ContractCreated'>): Promise<void> {
    await this.#insert(this.#doc(event.data, 'pending'))
  }

  /** `ContractSigned`: active — its milestones may be funded. */
  async signed(event: EventOf<'ContractSigned'>): Promise<void> {
    if (await this.#insert(this.#doc(event.data, 'active'))) return
    const now = this.#d.now()
    await this.#d.models.Contract.updateOne(
      { _id: event.data.contractId, status: 'pending' },
      { $set: { status: 'active', signedAt: now, updatedAt: now } },
    )
  }

  /** `MilestoneSubmitted` / `MilestoneApproved`: where the work stands (disputes need it). */
  async work(contractId: string, milestoneId: string, work: 'submitted' | 'approved'): Promise<void> {
    const contract = await this.#d.models.Contract.findById(contractId).lean()
    const index = contract?.milestones.findIndex((m) => m.milestoneId === milestoneId) ?? -1
    if (!contract || index < 0 || contract.milestones[index]?.work === 'approved') return
    // One path per milestone: a concurrent update of another milestone (another queue) is not lost.
    await this.#d.models.Contract.updateOne(
      { _id: contractId },
      { $set: { [`milestones.${index}.work`]: work, updatedAt: this.#d.now() } },
    )
  }

  /** `ContractCancelled` / `ContractCompleted`: the contract ended. */
  async ended(contractId: string, status: 'cancelled' | 'completed'): Promise<void> {
    await this.#d.models.Contract.updateOne(
      { _id: contractId, status: { $in: ['pending', 'active'] } },
      { $set: { status, updatedAt: this.#d.now() } },
    )
  }
}
