/**
 * `GET /api/payments/ledger/check` — the ledger invariants (domain/invariants.ts) over everything
 * the ledger holds, for admins (the same check as `npm run ledger:check`). A full scan: an
 * operator's tool, not a hot path.
 */
import { authenticated, requireRole } from '@kelmah/service-kit'
import Type from 'typebox'
import { checkLedgerStore } from '../services/ledger-check.js'
import { bearer, problems } from '../schemas/common.js'
import type { PaymentRoutePlugin } from './context.js'

const LedgerCheckSchema = {
  summary: 'Check every ledger invariant (admins)',
  tags: ['ledger'],
  security: bearer,
  response: {
    200: Type.Object({
      ok: Type.Boolean(),
      transfers: Type.Integer(),
      accounts: Type.Integer(),
      totals: Type.Record(Type.String(), Type.Integer()),
      violations: Type.Array(Type.Object({ rule: Type.String(), detail: Type.String() })),
      pending: Type.Record(Type.String(), Type.Integer()),
    }),
    ...problems(401, 403),
  },
} as const

/** The ledger route. */
export const ledgerRoutes: PaymentRoutePlugin = authenticated(async (app, { deps }) => {
  app.get(
    '/api/payments/ledger/check',
    { schema: LedgerCheckSchema, preHandler: requireRole('admin') },
    async () => checkLedgerStore(deps.models),
  )
})
