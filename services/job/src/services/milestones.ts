/**
 * Milestone work on an active contract: the worker submits (or resubmits), the hirer approves or
 * asks for a revision. `funded`, `released` and `disputed` come only from the payment service's
 * events (`payment-facts.ts`).
 */
import type { EventContext } from '@kelmah/contracts'
import type { Caller } from '@kelmah/service-kit'
import type { Party } from '../domain/contract.js'
import {
  approveStep,
  milestoneChange,
  revisionStep,
  submitStep,
  type MilestoneStep,
} from '../domain/contract-changes.js'
import { InvalidMilestones, MilestoneNotFound, NotYourStep, withFields } from '../errors.js'
import type { ContractDoc } from '../models/contract.js'
import { partyOrHide, visibleContract } from './contracts.js'
import type { ServiceDeps } from './deps.js'

/** Milestone use cases. */
export class Milestones {
  readonly #d: ServiceDeps

  constructor(deps: ServiceDeps) {
    this.#d = deps
  }

  /**
   * The worker submits a funded milestone, or resubmits one after a revision request
   * (`MilestoneSubmitted`).
   *
   * @throws ContractNotFound / MilestoneNotFound (404); NotYourStep (403) for the hirer;
   *   ContractNotActive (409); IllegalMilestoneTransition (409) naming the states; BadRequest
   *   (400 naming `deliverables`) when neither a note nor a deliverable is given
   */
  async submit(
    caller: Caller,
    contractId: string,
    milestoneId: string,
    input: { note?: string; deliverables?: string[] },
    ctx: EventContext,
  ): Promise<ContractDoc> {
    const deliverables = input.deliverables ?? []
    if (!input.note && deliverables.length === 0) {
      throw withFields(new InvalidMilestones('a submission needs a note or at least one deliverable'), [
        { field: 'deliverables', message: 'give at least one link to the work, or a note', in: 'body' },
      ])
    }
    const step = submitStep({ note: input.note ?? null, deliverables }, ctx)
    return this.#step(caller, contractId, milestoneId, 'worker', 'submit work', step)
  }

  /**
   * The hirer approves a submitted milestone (`MilestoneApproved` with its amount: the payment
   * service releases the escrow, and its `PaymentReleased` marks it released).
   *
   * @throws ContractNotFound / MilestoneNotFound (404); NotYourStep (403) for the worker;
   *   ContractNotActive (409); IllegalMilestoneTransition (409)
   */
  async approve(
    caller: Caller,
    contractId: string,
    milestoneId: string,
    ctx: EventContext,
  ): Promise<ContractDoc> {
    return this.#step(caller, contractId, milestoneId, 'hirer', 'approve work', approveStep(ctx))
  }

  /**
   * The hirer asks for changes to a submitted milestone; the worker resubmits.
   *
   * @throws as {@link approve}
   */
  async requestRevision(
    caller: Caller,
    contractId: string,
    milestoneId: string,
    note: string,
  ): Promise<ContractDoc> {
    return this.#step(caller, contractId, milestoneId, 'hirer', 'request a revision', revisionStep(note))
  }

  /** One milestone step by one party on an active contract. */
  async #step(
    caller: Caller,
    contractId: string,
    milestoneId: string,
    who: Party,
    what: string,
    step: MilestoneStep,
  ): Promise<ContractDoc> {
    const visible = await visibleContract(this.#d, caller, contractId)
    const party = partyOrHide(visible, caller)
    if (!visible.milestones.some((m) => m.id === milestoneId)) throw new MilestoneNotFound(milestoneId)
    if (party !== who) throw new NotYourStep(who, what)
    return this.#d.stores.contracts.change(
      visible._id,
      (c) => milestoneChange(c, milestoneId, step, this.#d.now()),
      { current: visible },
    )
  }
}
