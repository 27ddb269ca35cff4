/**
 * Claiming a pending contract's fate — the commit point shared by the job and contract state
 * machines (`models/contract-fate.ts`, rules in `domain/job-contracts.ts`) — and the contract
 * write that must win it first ({@link changeWithFate}).
 */
import type { Decision } from '@kelmah/service-kit'
import { isDuplicateKey } from '@kelmah/service-kit'
import { fateOfMove } from '../domain/job-contracts.js'
import { ConcurrentUpdate } from '../errors.js'
import type { ContractFate, ContractFateDoc } from '../models/contract-fate.js'
import type { ContractDoc } from '../models/contract.js'
import type { ServiceDeps } from './deps.js'

/**
 * Claim `fate` for `contract`: insert its fate document, or read the one that won before.
 *
 * @returns the fate that holds — `fate` when this claim won or an earlier claim of the same fate
 *   did, the other fate when someone else's claim came first
 * @throws the driver's error when the insert fails for another reason than a duplicate key
 */
export async function claimFate(
  d: Pick<ServiceDeps, 'ContractFate' | 'now'>,
  contract: Pick<ContractDoc, '_id' | 'jobId'>,
  fate: ContractFate,
  reason: string,
): Promise<ContractFate> {
  try {
    await d.ContractFate.create({ _id: contract._id, jobId: contract.jobId, fate, reason, at: d.now() })
    return fate
  } catch (err) {
    if (!isDuplicateKey(err)) throw err
    const won = await d.ContractFate.findById(contract._id).lean<ContractFateDoc>()
    if (!won) throw err
    return won.fate
  }
}

/** The fate claimed for each of `contractIds` (by `_id`, pushed down on FerretDB), by id (hex). */
export async function fatesOf(
  d: Pick<ServiceDeps, 'ContractFate'>,
  contractIds: readonly ContractDoc['_id'][],
): Promise<Map<string, ContractFate>> {
  const rows = await Promise.all(contractIds.map((id) => d.ContractFate.findById(id).lean<ContractFateDoc>()))
  return new Map(rows.filter((r) => r !== null).map((r) => [String(r._id), r.fate]))
}

/** Thrown inside a decision to leave `store.change` and claim a fate first (never escapes). */
class NeedsClaim extends Error {}
const NEEDS_CLAIM = new NeedsClaim('needs-claim')

/** What {@link changeWithFate} did. */
export interface FatedChange {
  /** The contract after the change (or as read, when nothing was written). */
  contract: ContractDoc
  /** The other fate, when someone else's claim won and nothing was written; else null. */
  lost: ContractFate | null
}

/**
 * `store.change` on a contract, except that a decision moving it out of `pending_signatures`
 * (`domain/job-contracts.ts#fateOfMove`) is written only after its fate is won: the decision is
 * made on the current contract, the fate claimed, and the decision made again on the same
 * contract and written with its version guard — a contract changed since the claim loses the
 * guard and is read and decided again (a claim already won by this caller counts). When the other
 * fate won, nothing is written.
 *
 * @throws what `decide` throws; ConcurrentUpdate (409) after the store's attempts
 */
export async function changeWithFate(
  d: Pick<ServiceDeps, 'stores' | 'ContractFate' | 'now'>,
  id: ContractDoc['_id'],
  decide: (c: ContractDoc) => Decision | null,
  opts: { current?: ContractDoc } = {},
): Promise<FatedChange> {
  let won: ContractFate | null = null
  let current = opts.current
  for (let attempt = 0; attempt < 3; attempt++) {
    let needed: { fate: ContractFate; reason: string; contract: ContractDoc } | null = null
    try {
      const contract = await d.stores.contracts.change(
        id,
        (c) => {
          const decision = decide(c)
          const fate = decision ? fateOfMove(c.status, decision.set?.status) : null
          if (fate && fate !== won) {
            const cancellation = decision?.set?.cancellation as { reason?: string | null } | undefined
            needed = {
              fate,
              reason: fate === 'activated' ? 'signed' : (cancellation?.reason ?? 'cancelled'),
              contract: c,
            }
            throw NEEDS_CLAIM
          }
          return decision
        },
        current ? { current } : {},
      )
      return { contract, lost: null }
    } catch (err) {
      if (err !== NEEDS_CLAIM || !needed) throw err
    }
    const claim = needed as { fate: ContractFate; reason: string; contract: ContractDoc } | null
    if (!claim) break
    const holds = await claimFate(d, claim.contract, claim.fate, claim.reason)
    if (holds !== claim.fate) return { contract: claim.contract, lost: holds }
    won = holds
    // Decide again on the contract the claim was made for, without reading it again: the write
    // is guarded by its version, so a contract changed since the claim is read and decided anew.
    current = claim.contract
  }
  throw new ConcurrentUpdate('contract')
}
