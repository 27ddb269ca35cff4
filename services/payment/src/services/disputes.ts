/**
 * Disputes of a milestone's escrow: a party raises one, an admin resolves it by releasing,
 * refunding or splitting the escrow (`/api/payments/disputes`, routes/disputes.ts).
 *
 * **Raising** commits by the unique `escrowId` index of `disputes` (models/dispute.ts): two raises
 * of one escrow at once — one insert wins, the other is a 409. `DisputeRaised` rides in the
 * dispute's own insert (published once; the job service freezes the milestone). The escrow's
 * `disputeId` is a projection written after it. From then on the release on `MilestoneApproved`
 * leaves the escrow alone (services/settlement.ts#release): only the resolution settles it.
 *
 * **Resolving** is ONE settlement transfer, `settle:<escrowId>` (domain/ledger.ts), posted with
 * `DisputeResolved` (and `PaymentReleased` for the worker's part) in its outbox, so the decision
 * and its money are published once, whoever repeats the call. The order of writes:
 *
 * 1. `settle:<escrowId>` — the commit point: the first resolution (or settlement of any kind) is
 *    the only one. An existing transfer that is not this same resolution → 409 `DisputeClosed`;
 *    the same one (an admin repeating the call) → carry on from wherever the first call stopped;
 * 2. for a refund or split, the Stripe Refund and `refund-paid:` with `RefundIssued`
 *    (settlement.ts#payRefund; a Stripe failure is a 502 and the admin's repeat resumes here);
 * 3. the escrow's status, then the dispute document → `resolved` (projections, no events);
 * 4. the admins' audit log (`audit_log`, service-kit src/audit.ts): one entry
 *    `dispute.resolve:<disputeId>` naming the admin who resolved it, the dispute and the admin's
 *    note as the reason — from the stored dispute, so a repeated call (by any admin) records
 *    nothing more, and one that finds the dispute already resolved records the entry a crash
 *    before step 4 left out.
 *
 * A crash anywhere leaves a state the repeated call completes, and never moves money twice: the
 * money rule rests on the transfer ids, never on the documents' statuses.
 */
import { money, type DomainEvent, type EventContext, type Money } from '@kelmah/contracts'
import {
  afterPosition,
  decodeCursor,
  isDuplicateKey,
  pageOf,
  withFields,
  BadRequest,
} from '@kelmah/service-kit'
import type { Caller, CursorValue } from '@kelmah/service-kit'
import { Types, type QueryFilter } from 'mongoose'
import { resolveAmounts, type DisputeOutcome, type Resolution } from '../domain/disputes.js'
import { SETTLED_STATUS } from '../domain/escrow.js'
import { splitFee } from '../domain/fees.js'
import {
  accounts,
  refundTransfer,
  releaseTransfer,
  splitTransfer,
  type PostedTransfer,
  type TransferCause,
  type TransferDraft,
} from '../domain/ledger.js'
import {
  AdminsOnly,
  ContractNotFound,
  DisputeClosed,
  DisputeNotAllowed,
  DisputeNotFound,
  MilestoneNotFound,
  NotAParty,
} from '../errors.js'
import { disputeRaised, disputeResolved, paymentReleased } from '../events/publishers.js'
import type { DisputeDoc, EscrowDoc } from '../models/index.js'
import { escrowRef, type PaymentDeps } from './deps.js'
import type { Settlement } from './settlement.js'

/** The settled escrow statuses (domain/escrow.ts#SETTLED_STATUS). */
const SETTLED_STATUSES: ReadonlySet<string> = new Set(Object.values(SETTLED_STATUS))

/** A dispute as the API shows it (schemas/disputes.ts#DisputeViewSchema). */
export interface DisputeView {
  id: string
  contractId: string
  milestoneId: string
  escrowId: string
  hirerId: string
  workerId: string
  raisedBy: string
  reason: string
  status: DisputeDoc['status']
  outcome: DisputeOutcome | null
  /** The worker's part before the platform fee (minor units), once resolved. */
  workerAmount: Money | null
  /** The part refunded to the hirer's card (minor units), once resolved. */
  refundAmount: Money | null
  resolvedBy: string | null
  resolvedAt: string | null
  createdAt: string
}

const moneyOf = (m: Money | null): Money | null =>
  m ? { amountMinor: m.amountMinor, currency: m.currency } : null

/** The view of a dispute (the admin's note and the bookkeeping fields stay inside). */
export function disputeView(d: DisputeDoc): DisputeView {
  return {
    id: String(d._id),
    contractId: d.contractId,
    milestoneId: d.milestoneId,
    escrowId: d.escrowId,
    hirerId: d.hirerId,
    workerId: d.workerId,
    raisedBy: d.raisedBy,
    reason: d.reason,
    status: d.status,
    outcome: d.outcome,
    workerAmount: moneyOf(d.workerAmount),
    refundAmount: moneyOf(d.refundAmount),
    resolvedBy: d.resolvedBy,
    resolvedAt: d.resolvedAt ? new Date(d.resolvedAt).toISOString() : null,
    createdAt: new Date(d.createdAt).toISOString(),
  }
}

/** What `POST /api/payments/disputes` takes. */
export interface RaiseInput {
  contractId: string
  milestoneId: string
  reason: string
}

/** What `POST /api/payments/disputes/:id/resolve` takes. */
export interface ResolveInput {
  outcome: DisputeOutcome
  workerAmountMinor?: number
  note?: string
}

/** What `GET /api/payments/disputes` takes. */
export interface ListInput {
  status?: DisputeDoc['status']
  limit?: number
  cursor?: string
}

/** The minor units a `settle:` transfer reserved for the hirer's refund (0 for a release). */
function reservedRefundOf(t: Pick<PostedTransfer, 'postings' | 'escrowId'>): number {
  if (!t.escrowId) return 0
  return t.postings.find((p) => p.account === accounts.refund(t.escrowId as string))?.amountMinor ?? 0
}

/** The outcome a `settle:` transfer of `kind` amounts to (its kinds are exactly the outcomes). */
function outcomeOf(kind: string): DisputeOutcome {
  if (kind === 'release' || kind === 'refund' || kind === 'split') return kind
  throw new Error(`a settle: transfer of kind ${kind}`)
}

/** "release", "refund", or "split (worker 600 USD minor units, refund 400)" — for 409 messages. */
function describe(kind: string, escrowAmount: Money, refundMinor: number): string {
  if (kind !== 'split') return kind
  return `split (worker ${escrowAmount.amountMinor - refundMinor}, refund ${refundMinor} ${escrowAmount.currency} minor units)`
}

/** A cursor of the queue, `[createdAt ISO, dispute id]`, checked so a forged one is a 400, not a 500. */
function decodeQueueCursor(cursor: string | undefined): CursorValue[] | undefined {
  const position = decodeCursor(cursor, 2)
  if (!position) return undefined
  const [at, id] = position
  if (
    typeof at !== 'string' ||
    Number.isNaN(Date.parse(at)) ||
    typeof id !== 'string' ||
    !/^[0-9a-f]{24}$/i.test(id)
  ) {
    throw withFields(new BadRequest('the cursor is not valid for this list'), [
      { field: 'cursor', message: 'is not a cursor returned by this list', in: 'querystring' },
    ])
  }
  return position
}

/** The dispute use cases. */
export class Disputes {
  readonly #d: PaymentDeps
  readonly #settlement: Settlement

  constructor(deps: PaymentDeps, settlement: Settlement) {
    this.#d = deps
    this.#settlement = settlement
  }

  /**
   * A party disputes a milestone whose escrow is held (module header).
   *
   * Allowed while the contract is active, the milestone's escrow is funded (by the ledger:
   * `fund:` posted, `settle:` not) and its work is `open` or `submitted` (the contracts read
   * model, services/contracts.ts).
   *
   * @returns the new dispute (status `open`)
   * @throws ContractNotFound (404) unless the caller is a party of a contract known here (an admin
   *   who is not a party: NotAParty, 403); MilestoneNotFound (404); DisputeNotAllowed (409) when
   *   the contract is not active, the work was approved, the milestone holds no escrow (or it is
   *   still being funded, or was settled), or the escrow is already disputed — also when two
   *   raises race (one wins) or the escrow was settled while this one was being raised
   */
  async raise(caller: Caller, body: RaiseInput, ctx: EventContext): Promise<DisputeView> {
    const contract = await this.#d.models.Contract.findById(body.contractId).lean()
    const isParty = !!contract && (caller.sub === contract.hirerId || caller.sub === contract.workerId)
    if (!contract || (!isParty && caller.role !== 'admin')) throw new ContractNotFound(body.contractId)
    if (!isParty) throw new NotAParty()
    const milestone = contract.milestones.find((m) => m.milestoneId === body.milestoneId)
    if (!milestone) throw new MilestoneNotFound(body.milestoneId)
    if (contract.status !== 'active') throw new DisputeNotAllowed(`the contract is ${contract.status}`)
    if (milestone.work === 'approved') {
      throw new DisputeNotAllowed('its work was approved, so its payment is being released')
    }

    const { escrow, pending } = await this.#settlement.fundedEscrowOf(milestone.milestoneId)
    if (!escrow) {
      throw new DisputeNotAllowed(
        pending ? 'its escrow is still being funded; try again once it is funded' : 'it holds no escrow',
      )
    }
    if (escrow.disputeId) throw new DisputeNotAllowed(`it is already disputed (dispute ${escrow.disputeId})`)
    // The ledger, not the status, says whether the money is still held (a status may lag its transfer).
    const settled = await this.#d.ledger.get(`settle:${escrow._id}`)
    if (settled || SETTLED_STATUSES.has(escrow.status)) {
      throw new DisputeNotAllowed(`its escrow was already settled (${settled?.kind ?? escrow.status})`)
    }

    const now = this.#d.now()
    const _id = new Types.ObjectId()
    const disputeId = _id.toHexString()
    let created: DisputeDoc
    try {
      created = await this.#d.stores.disputes.create(
        {
          _id,
          escrowId: escrow._id,
          contractId: contract._id,
          milestoneId: milestone.milestoneId,
          hirerId: contract.hirerId,
          workerId: contract.workerId,
          raisedBy: caller.sub,
          reason: body.reason,
          status: 'open',
          outcome: null,
          workerAmount: null,
          refundAmount: null,
          resolvedBy: null,
          resolvedAt: null,
          note: null,
          version: 0,
          createdAt: now,
          updatedAt: now,
        },
        [
          disputeRaised(
            {
              disputeId,
              contractId: contract._id,
              milestoneId: milestone.milestoneId,
              raisedBy: caller.sub,
              reason: body.reason,
            },
            ctx,
          ),
        ],
      )
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
      // Another raise of this escrow won. Repair its projection if that raise stopped short of it.
      const winner = await this.#d.models.Dispute.findOne({ escrowId: escrow._id }).select({ _id: 1 }).lean()
      if (winner) await this.#projectDispute(escrow._id, String(winner._id))
      throw new DisputeNotAllowed(`it is already disputed${winner ? ` (dispute ${String(winner._id)})` : ''}`)
    }
    await this.#projectDispute(escrow._id, disputeId)

    // A release (MilestoneApproved) or cancellation refund that read "no dispute" just before the
    // insert may have posted `settle:` just after the check above. The money moved once, by that
    // settlement; the dispute can no longer decide it, so it is closed to match (no events: the
    // settlement published its own) and the caller told.
    const raced = await this.#d.ledger.get(`settle:${escrow._id}`)
    if (raced && raced.disputeId !== disputeId) {
      const refundMinor = reservedRefundOf(raced)
      const currency = escrow.amount.currency
      await this.#d.stores.disputes.change(_id, (d) =>
        d.status === 'resolved'
          ? null
          : {
              set: {
                status: 'resolved',
                outcome: outcomeOf(raced.kind),
                workerAmount: money(escrow.amount.amountMinor - refundMinor, currency),
                refundAmount: money(refundMinor, currency),
                resolvedAt: this.#d.now(),
                note: `closed: the escrow was settled (${raced.kind}) while the dispute was being raised`,
              },
            },
      )
      this.#d.logger.warn(
        { escrowId: escrow._id, disputeId, settledAs: raced.kind },
        'dispute raised while its escrow was being settled; closed to match the settlement',
      )
      throw new DisputeNotAllowed(`its escrow was settled (${raced.kind}) while the dispute was being raised`)
    }
    return disputeView(created)
  }

  /**
   * One dispute, for the two parties of its contract and admins.
   *
   * @throws DisputeNotFound (404) for anyone else, and for an unknown id
   */
  async get(caller: Caller, id: string): Promise<DisputeView> {
    const dispute = await this.#find(id)
    const visible =
      caller.role === 'admin' || caller.sub === dispute?.hirerId || caller.sub === dispute?.workerId
    if (!dispute || !visible) throw new DisputeNotFound(id)
    return disputeView(dispute)
  }

  /**
   * The admins' queue: disputes newest first (`createdAt desc, _id desc`), optionally of one
   * status, in cursor pages (service-kit pagination; `limit` default 20).
   *
   * @throws AdminsOnly (403) for anyone but an admin; BadRequest (400 naming `cursor`) for a
   *   cursor this list did not make
   */
  async list(caller: Caller, q: ListInput): Promise<{ items: DisputeView[]; nextCursor: string | null }> {
    if (caller.role !== 'admin') throw new AdminsOnly()
    const limit = q.limit ?? 20
    const and: QueryFilter<DisputeDoc>[] = []
    if (q.status) and.push({ status: q.status })
    const position = decodeQueueCursor(q.cursor)
    if (position) {
      and.push(
        afterPosition('createdAt', position, {
          toKey: (v) => new Date(v as string),
          toId: (v) => new Types.ObjectId(v as string),
        }),
      )
    }
    const rows = await this.#d.models.Dispute.find(and.length ? { $and: and } : {})
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit + 1)
      .lean<DisputeDoc[]>()
    const page = pageOf(rows, limit, (d) => [new Date(d.createdAt).toISOString(), String(d._id)])
    return { items: page.items.map(disputeView), nextCursor: page.nextCursor }
  }

  /**
   * An admin resolves a dispute (module header for the order of writes). Amounts from
   * domain/disputes.ts#resolveAmounts; the fee on the worker's part from domain/fees.ts#splitFee
   * at `PLATFORM_FEE_BPS`. Repeating the same resolution is safe and resumes an unfinished one.
   * Each resolution by an admin is one entry in the audit log (`dispute.resolve`, read at
   * `GET /api/payments/admin/audit`), however often it is repeated.
   *
   * @returns the resolved dispute
   * @throws AdminsOnly (403); DisputeNotFound (404); InvalidSplit (400 naming `workerAmountMinor`);
   *   DisputeClosed (409) when the dispute or its escrow was settled otherwise (another outcome,
   *   another split, a settlement before the dispute), or the escrow is frozen by a card
   *   chargeback; StripeUnavailable (502) / StripeRefused (422) from the Stripe Refund — the
   *   settlement stays reserved and the same resolution repeated resumes it
   */
  async resolve(caller: Caller, id: string, body: ResolveInput, ctx: EventContext): Promise<DisputeView> {
    if (caller.role !== 'admin') throw new AdminsOnly()
    const dispute = await this.#find(id)
    if (!dispute) throw new DisputeNotFound(id)
    const escrow = await this.#d.models.Escrow.findById(dispute.escrowId).lean()
    if (!escrow) throw new Error(`dispute ${id} names escrow ${dispute.escrowId}, which does not exist`)
    const resolution = resolveAmounts(
      { amountMinor: escrow.amount.amountMinor, currency: escrow.amount.currency },
      body.outcome,
      body.workerAmountMinor,
    )
    const disputeId = String(dispute._id)

    if (dispute.status === 'resolved') {
      if (
        dispute.outcome === resolution.outcome &&
        dispute.refundAmount?.amountMinor === resolution.refund.amountMinor
      ) {
        await this.#audit(dispute, escrow.amount, ctx)
        return disputeView(dispute)
      }
      throw new DisputeClosed(
        `it was already resolved as ${describe(dispute.outcome ?? 'unknown', escrow.amount, dispute.refundAmount?.amountMinor ?? 0)}`,
      )
    }
    if (escrow.frozen && !(await this.#d.ledger.get(`settle:${escrow._id}`))) {
      throw new DisputeClosed(
        'its escrow is frozen by a card chargeback (charge.dispute.created); it cannot be settled while the chargeback is open',
      )
    }

    const { draft, events } = this.#settleDraft(escrow, disputeId, resolution, caller, ctx)
    const { transfer, created } = await this.#d.ledger.post(draft, events)
    if (!created) {
      const same =
        transfer.kind === draft.kind &&
        transfer.disputeId === disputeId &&
        reservedRefundOf(transfer) === resolution.refund.amountMinor
      if (!same) {
        throw new DisputeClosed(
          `the escrow was already settled as ${describe(transfer.kind, escrow.amount, reservedRefundOf(transfer))}${transfer.disputeId === disputeId ? ' by this dispute' : ''}`,
        )
      }
    }

    if (resolution.refund.amountMinor > 0) {
      await this.#settlement.payRefund(escrow, 'dispute_resolved', ctx, disputeId)
    }
    await this.#settlement.project(escrow._id, transfer.kind)
    await this.#projectDispute(escrow._id, disputeId)
    const resolvedAt = this.#d.now()
    const stored = await this.#d.stores.disputes.change(dispute._id, (d) =>
      d.status === 'resolved'
        ? null
        : {
            set: {
              status: 'resolved',
              outcome: resolution.outcome,
              workerAmount: { ...resolution.workerGross },
              refundAmount: { ...resolution.refund },
              resolvedBy: caller.sub,
              resolvedAt,
              note: body.note ?? null,
            },
          },
    )
    await this.#audit(stored, escrow.amount, ctx)
    return disputeView(stored)
  }

  /**
   * The audit entry of an admin's resolution of `d` (module header, step 4), from the stored
   * dispute: its resolver, its time, its note as the reason (or, with no note, what was decided).
   * A dispute closed by a settlement rather than an admin (`resolvedBy` null) records nothing.
   */
  async #audit(d: DisputeDoc, escrowAmount: Money, ctx: EventContext): Promise<void> {
    if (d.status !== 'resolved' || !d.resolvedBy) return
    const disputeId = String(d._id)
    const decided = describe(d.outcome ?? 'unknown', escrowAmount, d.refundAmount?.amountMinor ?? 0)
    await this.#d.audit.record({
      id: `dispute.resolve:${disputeId}`,
      actorId: d.resolvedBy,
      action: 'dispute.resolve',
      target: { type: 'dispute', id: disputeId },
      reason: d.note?.trim() ? d.note : `(no note given; resolved as ${decided})`,
      ...(d.resolvedAt ? { at: new Date(d.resolvedAt) } : {}),
      requestId: ctx.correlationId ?? 'unknown',
    })
  }

  /** The `settle:` draft of `resolution` and the events in its outbox. */
  #settleDraft(
    escrow: EscrowDoc,
    disputeId: string,
    r: Resolution,
    caller: Caller,
    ctx: EventContext,
  ): { draft: TransferDraft; events: DomainEvent[] } {
    const ref = escrowRef(escrow)
    const cause: TransferCause = { type: 'request', id: `resolve:${disputeId}` }
    const resolved = disputeResolved(
      {
        disputeId,
        outcome: r.outcome,
        workerAmount: r.workerGross,
        refundAmount: r.refund,
        resolvedBy: caller.sub,
      },
      ref,
      ctx,
    )
    if (r.outcome === 'refund') return { draft: refundTransfer(ref, cause, disputeId), events: [resolved] }
    const { net, fee } = splitFee(r.workerGross, this.#d.config.PLATFORM_FEE_BPS)
    const released = paymentReleased(ref, net, fee, ctx, disputeId)
    const draft =
      r.outcome === 'release'
        ? releaseTransfer(ref, fee, cause, disputeId)
        : splitTransfer(ref, r.workerGross, fee, cause, disputeId)
    return { draft, events: [resolved, released] }
  }

  /** The dispute `id` (a 24-hex ObjectId), or null. */
  async #find(id: string): Promise<DisputeDoc | null> {
    if (!Types.ObjectId.isValid(id) || !/^[0-9a-f]{24}$/i.test(id)) return null
    return this.#d.models.Dispute.findById(id).lean<DisputeDoc>()
  }

  /** Record `disputeId` on the escrow (a projection; the dispute's unique `escrowId` is the rule). */
  async #projectDispute(escrowId: string, disputeId: string): Promise<void> {
    await this.#d.stores.escrows.change(escrowId, (e) => (e.disputeId ? null : { set: { disputeId } }))
  }
}
