/**
 * Steps 12–17 of the demo story (infra/demo.ts): the money. The hirer funds the signed contract's
 * milestone, Stripe's `payment_intent.succeeded` (signed by us: stripe-mock sends no webhooks)
 * funds the escrow, the worker submits, the hirer approves, the payment service releases the
 * escrow to the worker's wallet less the platform fee, the contract completes, a duplicate
 * webhook changes nothing, and the worker pays part of the wallet out to a Stripe Connect account.
 * With an admin session, the ledger's invariants are checked at the end.
 */
import type { Account } from './accounts.js'
import {
  approveMilestone,
  type Contract,
  milestoneOf,
  type Money,
  pollContract,
  submitMilestone,
} from './marketplace.js'
import {
  availableMinor,
  checkLedger,
  createPayoutAccount,
  deliverPaymentSucceeded,
  type EscrowFunding,
  fundMilestone,
  getWallet,
  type LedgerReport,
  type Payout,
  type PayoutAccount,
  platformFeeMinor,
  pollWallet,
  requestPayout,
  type WebhookAck,
} from './payments.js'
import { DemoFailed } from './errors.js'

/** What the money part of the story produced. */
export interface DemoMoney {
  /** The milestone that was funded and released. */
  milestoneId: string
  /** The escrow as the funding answered it (`pending`, with its PaymentIntent). */
  escrow: EscrowFunding
  /** The first webhook delivery's answer (`applied`). */
  webhook: WebhookAck
  /** The same event delivered again (`duplicate: true`). */
  duplicate: WebhookAck
  /** The milestone's amount, and what the worker's wallet should gain: amount − 10 % (rounded down). */
  amount: Money
  expectedEarnings: Money
  /** The worker's available balance (minor units) right after the release. */
  walletAfterRelease: number
  /** ... after the duplicate webhook (equal to {@link walletAfterRelease}). */
  walletAfterDuplicate: number
  /** The contract as last read (`completed`). */
  contract: Contract
  payoutAccount: PayoutAccount & { created: boolean }
  payout: Payout
  /** The worker's available balance (minor units) after the payout. */
  walletAfterPayout: number
  /** The admin ledger check, when the story had an admin. */
  ledger?: LedgerReport
}

/** What {@link moneyFlow} needs from {@link runDemo}. */
interface MoneyContext {
  hirer: Account
  worker: Account
  /** Stripe's side: the gateway and the fetch its webhook deliveries are posted with (no session). */
  stripe: { baseUrl: string; fetch: typeof fetch }
  /** Signs in an admin for the ledger check, if the story has one. */
  admin?: () => Promise<Account>
  contract: Contract
  waitMs: number
  log: (line: string) => void
  step: (text: string) => void
  note: (text: string) => void
  learn: (...ids: Array<string | undefined>) => void
}

/** `126000 USD` — minor units and the currency, as the API speaks them. */
const money = (m: Money) => `${m.amountMinor} ${m.currency}`

/**
 * Steps 12–17 (and the ledger check with an admin).
 *
 * @throws KelmahProblem when a call is refused; WebhookRefused when a webhook is
 * @throws DemoFailed when the milestone is not funded or released in time, the wallet does not
 *   show the amount less the fee, the contract does not complete, a duplicate webhook changes the
 *   wallet, the payout is not completed with a Stripe Transfer, or the ledger check fails
 */
export async function moneyFlow(c: MoneyContext): Promise<DemoMoney> {
  const { hirer, worker, step, note, waitMs } = c
  const milestone = c.contract.milestones[0]
  if (!milestone) throw new DemoFailed(`contract ${c.contract.id} has no milestone to fund`)
  c.learn(milestone.id)
  const { amount } = milestone
  const expectedEarnings = {
    amountMinor: amount.amountMinor - platformFeeMinor(amount.amountMinor),
    currency: amount.currency,
  }

  step(`12. The hirer funds the milestone "${milestone.title}" (${money(amount)}) into escrow`)
  const escrow = await fundMilestone(hirer, { contractId: c.contract.id, milestoneId: milestone.id })
  c.learn(escrow.id, escrow.paymentIntentId ?? undefined)
  note(
    `escrow ${escrow.id} is ${escrow.status}: Stripe PaymentIntent ${escrow.paymentIntentId}, ${money(escrow.amount)}`,
  )

  step('13. Stripe confirms the payment: a signed payment_intent.succeeded to /api/webhooks/stripe')
  const delivered = await deliverPaymentSucceeded(c.stripe.baseUrl, escrow, { fetch: c.stripe.fetch })
  note(`webhook ${delivered.event.id} → ${delivered.ack.status}`)
  if (delivered.ack.status !== 'applied')
    throw new DemoFailed(`the webhook for ${escrow.paymentIntentId} was ${delivered.ack.status}, not applied`)
  const funded = await pollContract(
    hirer,
    c.contract.id,
    (k) => milestoneOf(k, milestone.id)?.status === 'funded',
    waitMs,
  )
  const fundedStatus = milestoneOf(funded, milestone.id)?.status
  if (fundedStatus !== 'funded')
    throw new DemoFailed(
      `the milestone is ${fundedStatus} ${waitMs / 1000} s after the webhook, not funded (is the job service consuming EscrowFunded?)`,
    )
  note('the job service marked the milestone funded (EscrowFunded)')
  const hirerWallet = await getWallet(hirer)
  const held = hirerWallet.balances.find((b) => b.currency.toUpperCase() === amount.currency.toUpperCase())
  note(`hirer's wallet: ${held ? `${money(held.inEscrow)} in escrow` : 'no balance in that currency'}`)
  // Read before the approval: the release may land before a read made after it.
  const before = availableMinor(await getWallet(worker), amount.currency)

  step('14. The worker submits the work; the hirer approves it')
  const submitted = await submitMilestone(worker, c.contract.id, milestone.id, {
    note: 'The booking site is live: room calendar, online payment, confirmation e-mails, admin page.',
    deliverables: ['https://example.com/adinkra-guesthouse'],
  })
  note(`milestone is ${milestoneOf(submitted, milestone.id)?.status}`)
  const approved = await approveMilestone(hirer, c.contract.id, milestone.id)
  note(
    `milestone is ${milestoneOf(approved, milestone.id)?.status} (MilestoneApproved → the payment service releases)`,
  )

  step(`15. The payment service releases the escrow: the worker's wallet gets ${money(amount)} less 10 %`)
  const released = await pollWallet(
    worker,
    (w) => availableMinor(w, amount.currency) >= before + expectedEarnings.amountMinor,
    waitMs,
  )
  const walletAfterRelease = availableMinor(released, amount.currency)
  if (walletAfterRelease !== before + expectedEarnings.amountMinor)
    throw new DemoFailed(
      `the worker's available ${amount.currency} is ${walletAfterRelease}, not ${before + expectedEarnings.amountMinor} (${money(amount)} less the 10 % fee) ${waitMs / 1000} s after the approval`,
    )
  note(
    `worker's wallet: ${walletAfterRelease} ${amount.currency} available (fee ${platformFeeMinor(amount.amountMinor)} kept by the platform)`,
  )
  const contract = await pollContract(hirer, c.contract.id, (k) => k.status === 'completed', waitMs)
  if (contract.status !== 'completed')
    throw new DemoFailed(
      `the contract is ${contract.status} ${waitMs / 1000} s after the release, not completed (is the job service consuming PaymentReleased?)`,
    )
  note(
    `milestone is ${milestoneOf(contract, milestone.id)?.status}; contract ${contract.id} is ${contract.status}`,
  )

  step('16. Stripe delivers the same event again (its retry): nothing changes')
  const again = await deliverPaymentSucceeded(c.stripe.baseUrl, escrow, {
    event: delivered.event,
    fetch: c.stripe.fetch,
  })
  const walletAfterDuplicate = availableMinor(await getWallet(worker), amount.currency)
  note(`webhook ${again.event.id} again → ${again.ack.status}, duplicate: ${again.ack.duplicate}`)
  if (walletAfterDuplicate !== walletAfterRelease)
    throw new DemoFailed(
      `a duplicate webhook changed the worker's wallet: ${walletAfterRelease} → ${walletAfterDuplicate} ${amount.currency}`,
    )
  note(`worker's wallet still ${walletAfterDuplicate} ${amount.currency}`)

  step('17. The worker connects a Stripe payout account and pays out part of the wallet')
  const payoutAccount = await createPayoutAccount(worker)
  note(`Stripe Connect account ${payoutAccount.accountId} (onboarding: ${payoutAccount.onboardingUrl})`)
  const part = { amountMinor: Math.floor(walletAfterRelease / 2), currency: amount.currency }
  const payout = await requestPayout(worker, part)
  c.learn(payout.id)
  note(
    `payout ${payout.id} of ${money(part)} is ${payout.status}: Stripe Transfer ${payout.stripeTransferId}`,
  )
  if (payout.status !== 'completed' || !payout.stripeTransferId)
    throw new DemoFailed(`payout ${payout.id} is ${payout.status} without a completed Stripe Transfer`)
  const walletAfterPayout = availableMinor(await getWallet(worker), amount.currency)
  note(`worker's wallet: ${walletAfterPayout} ${amount.currency} left`)
  if (walletAfterPayout !== walletAfterRelease - part.amountMinor)
    throw new DemoFailed(
      `after paying out ${part.amountMinor} the worker's wallet shows ${walletAfterPayout}, not ${walletAfterRelease - part.amountMinor}`,
    )

  let ledger: LedgerReport | undefined
  if (c.admin) {
    step('18. An admin checks the ledger (GET /api/payments/ledger/check)')
    ledger = await checkLedger(await c.admin())
    note(
      `${ledger.ok ? 'every invariant holds' : 'VIOLATIONS'}: ${ledger.transfers} transfers, ${ledger.accounts} accounts, totals ${JSON.stringify(ledger.totals)}`,
    )
    if (!ledger.ok)
      throw new DemoFailed(
        `the ledger check failed: ${ledger.violations.map((v) => `${v.rule}: ${v.detail}`).join('; ')}`,
      )
  }

  return {
    milestoneId: milestone.id,
    escrow,
    webhook: delivered.ack,
    duplicate: again.ack,
    amount,
    expectedEarnings,
    walletAfterRelease,
    walletAfterDuplicate,
    contract,
    payoutAccount,
    payout,
    walletAfterPayout,
    ...(ledger ? { ledger } : {}),
  }
}
