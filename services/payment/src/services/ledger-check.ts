/**
 * The ledger check over the store: every transfer of `ledger_transfers` and every escrow, run
 * through the domain's invariants (domain/invariants.ts#checkLedger). Used by `npm run
 * ledger:check` (src/cli/ledger-check.ts) and the admin `GET /api/payments/ledger/check`.
 */
import { checkLedger, type EscrowFacts, type LedgerReport } from '../domain/invariants.js'
import type { PostedTransfer } from '../domain/ledger.js'
import type { PaymentModels, TransferDoc } from '../models/index.js'

/** A stored transfer as the domain's: `_id` → `id`, the storage fields (version, outbox) dropped. */
function toPosted(doc: TransferDoc): PostedTransfer {
  const {
    _id,
    version: _version,
    outbox: _outbox,
    createdAt: _createdAt,
    ...rest
  } = doc as TransferDoc & {
    outbox?: unknown
  }
  return { ...rest, id: String(_id) }
}

/**
 * Check every ledger invariant over everything stored.
 *
 * This is a FULL SCAN — it reads every transfer and every escrow into memory — meant for the CLI
 * and the admin route, never for a request's hot path (a use case reads one account's history:
 * services/ledger.ts). The two collections are read without a snapshot (FerretDB has no
 * transactions): beside live traffic a transfer may be seen before its escrow's status follows it
 * (domain/escrow.ts, a status lags its transfer), which shows as an `escrow` violation that the
 * next run no longer reports.
 *
 * @returns the report (`ok`, `violations`, per-currency `totals` in minor units, `pending`
 *   reserves in minor units by account)
 * @throws the driver's error when the database cannot be read
 */
export async function checkLedgerStore(
  models: Pick<PaymentModels, 'Transfer' | 'Escrow'>,
): Promise<LedgerReport> {
  const [transfers, escrows] = await Promise.all([
    models.Transfer.find({}).lean<TransferDoc[]>(),
    models.Escrow.find({}, { _id: 1, status: 1, amount: 1 }).lean<EscrowFacts[]>(),
  ])
  return checkLedger(transfers.map(toPosted), escrows)
}
