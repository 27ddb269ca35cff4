/**
 * Reading contracts — one for its parties (and admins), the caller's list — and who may act on
 * one ({@link visibleContract}, {@link partyOrHide}), shared by the contract use cases:
 * `hiring.ts` (accept and the follow-ups), `signing.ts`, `milestones.ts`, `cancellation.ts`,
 * `payment-facts.ts`. The rules live in `domain/contract.ts`, `domain/milestone.ts` and
 * `domain/contract-changes.ts`.
 */
import { afterPosition, pageOf, type Caller } from '@kelmah/service-kit'
import type { QueryFilter } from 'mongoose'
import { partyOf, type ContractStatus, type Party } from '../domain/contract.js'
import { ContractNotFound } from '../errors.js'
import type { ContractDoc } from '../models/contract.js'
import type { ServiceDeps } from './deps.js'
import { decodeTypedCursor, toDate, toObjectId } from './paging.js'

/** `GET /api/contracts` input. */
export interface ListInput {
  role?: Party
  status?: ContractStatus
  limit?: number
  cursor?: string
}

/**
 * The contract if `caller` may see it (a party, or an admin).
 *
 * @throws ContractNotFound (404) for an unknown id or a third party
 */
export async function visibleContract(
  d: Pick<ServiceDeps, 'stores'>,
  caller: Caller,
  contractId: string,
): Promise<ContractDoc> {
  const contract = await d.stores.contracts.get(contractId)
  if (!contract || (caller.role !== 'admin' && !partyOf(contract, caller.sub)))
    throw new ContractNotFound(contractId)
  return contract
}

/** The caller's side; admins (who may read) are not parties. @throws ContractNotFound (404) */
export function partyOrHide(contract: ContractDoc, caller: Caller): Party {
  const party = partyOf(contract, caller.sub)
  if (!party) throw new ContractNotFound(String(contract._id))
  return party
}

/** Contract reads. */
export class Contracts {
  readonly #d: ServiceDeps

  constructor(deps: ServiceDeps) {
    this.#d = deps
  }

  /**
   * One contract, for its parties (and admins, who resolve disputes).
   *
   * @throws ContractNotFound (404) for an unknown id or a third party
   */
  async get(caller: Caller, contractId: string): Promise<ContractDoc> {
    return visibleContract(this.#d, caller, contractId)
  }

  /**
   * The caller's contracts, newest first (`createdAt desc, _id desc`), optionally only where the
   * caller is `role`, and only in `status`.
   *
   * @throws BadRequest (400 naming `cursor`) for a cursor this list did not make
   */
  async list(caller: Caller, q: ListInput): Promise<{ items: ContractDoc[]; nextCursor: string | null }> {
    const limit = q.limit ?? 20
    const mine: QueryFilter<ContractDoc> =
      q.role === 'hirer'
        ? { hirerId: caller.sub }
        : q.role === 'worker'
          ? { workerId: caller.sub }
          : { $or: [{ hirerId: caller.sub }, { workerId: caller.sub }] }
    const and: QueryFilter<ContractDoc>[] = [mine]
    if (q.status) and.push({ status: q.status })
    const position = decodeTypedCursor(q.cursor, ['date', 'id'])
    if (position) and.push(afterPosition('createdAt', position, { toKey: toDate, toId: toObjectId }))
    const rows = await this.#d.Contract.find({ $and: and })
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit + 1)
      .lean<ContractDoc[]>()
    return pageOf(rows, limit, (c) => [new Date(c.createdAt).toISOString(), String(c._id)])
  }
}
