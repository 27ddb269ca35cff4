/**
 * Route schemas of wallets and payouts (services/wallet.ts): the caller's balances, their
 * transactions, the worker's payout account and payouts. Amounts are integer minor units.
 */
import { Page, PageQuery } from '@kelmah/contracts'
import Type from 'typebox'
import { TRANSFER_KINDS } from '../domain/ledger.js'
import { bearer, Currency, IdempotencyHeaders, Money, PositiveMoney, problems } from './common.js'

const DateTime = Type.String({ format: 'date-time' })
const NullableString = Type.Union([Type.String(), Type.Null()])

/**
 * A SUM of money (a balance, what is held in escrow): integer minor units ≥ 0 and a currency. Not
 * bounded by `Money`'s per-amount ceiling (many releases add up to more than one charge may be),
 * only by exactness.
 */
export const Amount = Type.Object(
  {
    amountMinor: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    currency: Currency,
  },
  { additionalProperties: false },
)

/** `GET /api/wallet`. */
export const WalletSchema = {
  summary: "The caller's balances: available in the wallet, and held in funded escrows",
  description:
    "One entry per currency seen in the caller's wallet or funded escrows, sorted by code; empty for a new user. `available` is the wallet's ledger balance (what a worker may pay out); `inEscrow` the caller's funded escrows, as hirer (money paid in) or worker (money to come).",
  tags: ['wallet'],
  security: bearer,
  response: {
    200: Type.Object({
      balances: Type.Array(Type.Object({ currency: Currency, available: Amount, inEscrow: Amount })),
    }),
    ...problems(401),
  },
} as const

/** One line of the caller's history. */
export const TransactionSchema = Type.Object({
  id: Type.String({ description: 'the ledger transfer id' }),
  kind: Type.Enum([...TRANSFER_KINDS]),
  direction: Type.Enum(['credit', 'debit']),
  amount: Money,
  platformFee: Type.Optional(Money),
  contractId: NullableString,
  milestoneId: NullableString,
  escrowId: NullableString,
  payoutId: NullableString,
  createdAt: DateTime,
})

/** `GET /api/wallet/transactions`. */
export const TransactionsSchema = {
  summary: "The caller's transactions, newest first (cursor pages)",
  description:
    'Every ledger transfer that lists the caller: for a worker what entered or left the wallet (a release net of the platform fee, a payout, a refused payout coming back); for a hirer the escrow funded (debit) and a refund paid to the card (credit).',
  tags: ['wallet'],
  security: bearer,
  querystring: Type.Object(PageQuery.properties, { additionalProperties: false }),
  response: { 200: Page(TransactionSchema), ...problems(400, 401) },
} as const

const PayoutAccountBody = Type.Object({
  accountId: Type.String({ description: 'the Stripe Connect account (acct_…)' }),
  onboardingUrl: Type.String({ description: "Stripe's hosted onboarding, single use" }),
  expiresAt: DateTime,
})

/** `POST /api/wallet/payout-account`. */
export const CreatePayoutAccountSchema = {
  summary: "Create the worker's Stripe Connect Express account (once) and return an onboarding link",
  description:
    'Workers only. 201 the first time (the account is created), 200 afterwards with a fresh onboarding link for the same account.',
  tags: ['wallet'],
  security: bearer,
  response: { 200: PayoutAccountBody, 201: PayoutAccountBody, ...problems(401, 403, 422, 502) },
} as const

/** `GET /api/wallet/payout-account`. */
export const GetPayoutAccountSchema = {
  summary: "The worker's payout account",
  tags: ['wallet'],
  security: bearer,
  response: { 200: Type.Object({ accountId: Type.String() }), ...problems(401, 403, 404) },
} as const

/** A payout as listed. */
export const PayoutSchema = Type.Object({
  id: Type.String(),
  amount: Money,
  status: Type.Enum(['pending', 'completed', 'failed']),
  stripeTransferId: NullableString,
  failureReason: NullableString,
  createdAt: DateTime,
})

/** `POST /api/wallet/payouts`. */
export const CreatePayoutSchema = {
  summary: "Pay out of the worker's wallet to their payout account (a Stripe Transfer)",
  description:
    'Workers with a payout account, with an Idempotency-Key: the same key and body again → the same response (a 409 or 422 too); the same key with another body → 422. 409 when the amount is above the available balance (the problem names it, also as `available`). 502 when Stripe is unreachable: the amount stays reserved and the retry with the same key completes it.',
  tags: ['wallet'],
  security: bearer,
  headers: IdempotencyHeaders,
  body: Type.Object({ amount: PositiveMoney }, { additionalProperties: false }),
  response: {
    201: Type.Object({
      id: Type.String(),
      amount: Money,
      status: Type.Literal('completed'),
      stripeTransferId: Type.String(),
      createdAt: DateTime,
    }),
    ...problems(400, 401, 403, 409, 422, 502),
  },
} as const

/** `GET /api/wallet/payouts`. */
export const ListPayoutsSchema = {
  summary: "The worker's payouts, newest first (cursor pages; failed ones included)",
  tags: ['wallet'],
  security: bearer,
  querystring: Type.Object(PageQuery.properties, { additionalProperties: false }),
  response: { 200: Page(PayoutSchema), ...problems(400, 401, 403) },
} as const
