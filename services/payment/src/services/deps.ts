/**
 * What every use case of the payment service is built from: the models, the stores (the only write
 * path of each aggregate), the ledger, Stripe, the admins' audit log, the clock and the
 * configuration. Built once in `app.ts`.
 */
import { AuditLog, type AggregateStore, type Clock, type KelmahApp } from '@kelmah/service-kit'
import type { PaymentConfig } from '../config.js'
import type { EscrowRef } from '../domain/ledger.js'
import type { DisputeDoc, EscrowDoc, PaymentModels, PayoutDoc, TransferDoc } from '../models/index.js'
import { EscrowNotFound, DisputeNotFound } from '../errors.js'
import { IdempotentRequests } from './idempotent-requests.js'
import { Ledger } from './ledger.js'
import { StripeGateway } from './stripe.js'

/** The stores, by aggregate. */
export interface PaymentStores {
  escrows: AggregateStore<EscrowDoc>
  transfers: AggregateStore<TransferDoc>
  disputes: AggregateStore<DisputeDoc>
  payouts: AggregateStore<PayoutDoc>
}

/** The shared dependencies of the use cases. */
export interface PaymentDeps {
  models: PaymentModels
  stores: PaymentStores
  ledger: Ledger
  stripe: StripeGateway
  requests: IdempotentRequests
  /** The append-only log of admin actions (`audit_log`, service-kit src/audit.ts). */
  audit: AuditLog
  config: PaymentConfig
  now: Clock
  logger: KelmahApp['log']
}

/** Build the dependencies on `app` (its stores bind the outbox relay and the clock). */
export function paymentDeps(
  app: KelmahApp,
  models: PaymentModels,
  config: PaymentConfig,
  stripe?: StripeGateway,
): PaymentDeps {
  const transfers = app.store<TransferDoc>(models.Transfer, { name: 'ledger transfer', touch: false })
  return {
    models,
    stores: {
      escrows: app.store<EscrowDoc>(models.Escrow, {
        name: 'escrow',
        notFound: (id) => new EscrowNotFound(id),
      }),
      transfers,
      disputes: app.store<DisputeDoc>(models.Dispute, {
        name: 'dispute',
        notFound: (id) => new DisputeNotFound(id),
      }),
      payouts: app.store<PayoutDoc>(models.Payout, { name: 'payout' }),
    },
    ledger: new Ledger(transfers, app.now),
    stripe:
      stripe ??
      new StripeGateway({
        secretKey: config.STRIPE_SECRET_KEY,
        apiUrl: config.STRIPE_API_URL,
        timeoutMs: config.STRIPE_TIMEOUT_MS,
        webhookSecret: config.STRIPE_WEBHOOK_SECRET,
        toleranceS: config.STRIPE_WEBHOOK_TOLERANCE_S,
      }),
    requests: new IdempotentRequests(models.Idempotency, app.now),
    audit: new AuditLog(app.mongo, { now: app.now }),
    config,
    now: app.now,
    logger: app.log,
  }
}

/** The ledger's view of an escrow document. */
export function escrowRef(e: EscrowDoc): EscrowRef {
  return {
    escrowId: e._id,
    contractId: e.contractId,
    milestoneId: e.milestoneId,
    hirerId: e.hirerId,
    workerId: e.workerId,
    amount: { amountMinor: e.amount.amountMinor, currency: e.amount.currency },
  }
}
