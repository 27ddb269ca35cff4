/**
 * Wallet routes (services/wallet.ts): `GET /api/wallet`, `GET /api/wallet/transactions`, and for
 * workers `POST|GET /api/wallet/payout-account`, `POST|GET /api/wallet/payouts`. Every route
 * authenticates and acts on the caller's own wallet only (there is no user id in any path).
 */
import type { Problem } from '@kelmah/contracts'
import { authenticated, sendProblem } from '@kelmah/service-kit'
import { PayoutAccountNotFound } from '../errors.js'
import {
  CreatePayoutAccountSchema,
  CreatePayoutSchema,
  GetPayoutAccountSchema,
  ListPayoutsSchema,
  TransactionsSchema,
  WalletSchema,
} from '../schemas/wallet.js'
import { callerOf, eventContextOf, type PaymentRoutePlugin } from './context.js'

/** The wallet routes. */
export const walletRoutes: PaymentRoutePlugin = authenticated(async (app, { wallet }) => {
  app.get('/api/wallet', { schema: WalletSchema }, async (request) => ({
    balances: await wallet.balances(callerOf(request)),
  }))

  app.get('/api/wallet/transactions', { schema: TransactionsSchema }, async (request) =>
    wallet.transactions(callerOf(request), request.query),
  )

  app.post('/api/wallet/payout-account', { schema: CreatePayoutAccountSchema }, async (request, reply) => {
    const result = await wallet.createPayoutAccount(callerOf(request))
    return reply.code(result.status).send(result.body)
  })

  app.get('/api/wallet/payout-account', { schema: GetPayoutAccountSchema }, async (request) => {
    const account = await wallet.payoutAccount(callerOf(request))
    if (!account) throw new PayoutAccountNotFound()
    return account
  })

  app.post('/api/wallet/payouts', { schema: CreatePayoutSchema }, async (request, reply) => {
    const stored = await wallet.payout(
      callerOf(request),
      request.body,
      request.headers['idempotency-key'],
      eventContextOf(request),
    )
    // A refusal recorded as the request's final response (409 above the balance, 422 refused by
    // Stripe) is replayed as the problem it was.
    if (stored.status >= 400) return sendProblem(reply, stored.body as Problem)
    return reply.code(201).send(stored.body as never)
  })

  app.get('/api/wallet/payouts', { schema: ListPayoutsSchema }, async (request) =>
    wallet.payouts(callerOf(request), request.query),
  )
})
