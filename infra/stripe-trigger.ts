/**
 * `npm run stripe:trigger -- <type> --payment-intent pi_… [--amount 50000 --currency usd]
 * [--url http://127.0.0.1:5000] [--secret whsec_…]` — delivers one signed Stripe event to the
 * running system's webhook, `POST <url>/api/webhooks/stripe` through the gateway: the local stand-in
 * for Stripe's own delivery, since stripe-mock sends no webhooks (docs/architecture.md,
 * Infrastructure). It prints the answer and exits 0 on a 2xx, 1 otherwise (or when it cannot send),
 * 2 on a usage error.
 *
 * Types: `payment_intent.succeeded`, `payment_intent.payment_failed` (a PaymentIntent) and
 * `charge.dispute.created` (a Dispute of that PaymentIntent). Without `--amount` and `--currency`
 * the amount is read from the payment service's database: `kelmah_payment.escrows`, the document
 * whose `paymentIntentId` is the given id, field `amount: {amountMinor, currency}`.
 *
 * Environment: `KELMAH_URL` (default `--url`), `STRIPE_WEBHOOK_SECRET` (default `--secret`, else
 * `whsec_kelmah_local`, infra/services.ts), `MONGO_URL` (default `mongodb://127.0.0.1:27017`).
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { MongoClient } from 'mongodb'
import { isMain } from './paths.js'
import { LOCAL_STRIPE_WEBHOOK_SECRET } from './services.js'
import { signStripePayload, stripeEvent, type StripeEventJson } from './stripe-webhook.js'

/** The event types this command can send. */
export const TRIGGER_TYPES = [
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'charge.dispute.created',
] as const

/** One of {@link TRIGGER_TYPES}. */
export type TriggerType = (typeof TRIGGER_TYPES)[number]

/** The webhook's path on the gateway (gateway/src/routes.ts: public, signature checked upstream). */
export const WEBHOOK_PATH = '/api/webhooks/stripe'

/** Database and collection the amount is read from when not given (the payment service's). */
export const ESCROW_SOURCE = { database: 'kelmah_payment', collection: 'escrows' } as const

const USAGE = `usage: npm run stripe:trigger -- <${TRIGGER_TYPES.join('|')}> --payment-intent <pi_…>
  [--amount <minor units> --currency <usd>] [--reason <dispute reason>] [--event-id <evt_…>]
  [--url <gateway, default $KELMAH_URL or http://127.0.0.1:5000>]
  [--secret <whsec_…, default $STRIPE_WEBHOOK_SECRET or ${LOCAL_STRIPE_WEBHOOK_SECRET}>]
  [--mongo-url <default $MONGO_URL or mongodb://127.0.0.1:27017>] [--database <${ESCROW_SOURCE.database}>]`

/** A wrong command line; {@link main} prints it with the usage and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** Something the command could not do (amount not found, gateway unreachable); exit 1. */
export class TriggerError extends Error {
  override name = 'TriggerError'
}

/** Money as the payment service stores it: integer minor units and an ISO 4217 code. */
export interface MinorAmount {
  /** Integer minor units (cents for USD), > 0. */
  amountMinor: number
  /** ISO 4217, any case (Stripe's objects carry it lower-case). */
  currency: string
}

/** The parsed command line. */
export interface TriggerArgs {
  type: TriggerType
  paymentIntentId: string
  /** Given on the command line; otherwise read by {@link escrowAmount}. */
  amount?: MinorAmount
  /** Dispute reason (Stripe's values: `general`, `fraudulent`, `product_not_received`, …). */
  reason: string
  eventId?: string
  /** Gateway base URL without the path. */
  url: string
  secret: string
  mongoUrl: string
  database: string
}

/**
 * Parses the command line (`node:util` parseArgs; `--amount` in integer minor units).
 *
 * @param env - where the defaults of `--url`, `--secret`, `--mongo-url` come from
 * @throws UsageError naming the bad or missing argument
 */
export function triggerArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): TriggerArgs {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'payment-intent': { type: 'string' },
        amount: { type: 'string' },
        currency: { type: 'string' },
        reason: { type: 'string', default: 'general' },
        'event-id': { type: 'string' },
        url: { type: 'string' },
        secret: { type: 'string' },
        'mongo-url': { type: 'string' },
        database: { type: 'string', default: ESCROW_SOURCE.database },
      },
    })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const { values, positionals } = parsed
  if (positionals.length !== 1) throw new UsageError('give exactly one event type')
  const type = positionals[0] as TriggerType
  if (!TRIGGER_TYPES.includes(type))
    throw new UsageError(`unsupported event type ${positionals[0]}: use one of ${TRIGGER_TYPES.join(', ')}`)
  const paymentIntentId = values['payment-intent']
  if (!paymentIntentId || !/^pi_\w+$/.test(paymentIntentId))
    throw new UsageError('--payment-intent <pi_…> is required (the PaymentIntent id of the escrow)')
  if ((values.amount === undefined) !== (values.currency === undefined))
    throw new UsageError(
      'give --amount and --currency together, or neither (then they are read from the escrow)',
    )
  let amount: MinorAmount | undefined
  if (values.amount !== undefined && values.currency !== undefined) {
    if (!/^[1-9]\d*$/.test(values.amount) || !Number.isSafeInteger(Number(values.amount)))
      throw new UsageError(
        `--amount ${values.amount} is not a positive integer of minor units (cents): 50000 = 500.00`,
      )
    if (!/^[a-z]{3}$/i.test(values.currency))
      throw new UsageError(`--currency ${values.currency} is not a 3-letter ISO 4217 code`)
    amount = { amountMinor: Number(values.amount), currency: values.currency }
  }
  const eventId = values['event-id']
  return {
    type,
    paymentIntentId,
    ...(amount ? { amount } : {}),
    reason: values.reason,
    ...(eventId ? { eventId } : {}),
    url: (values.url ?? env.KELMAH_URL ?? 'http://127.0.0.1:5000').replace(/\/+$/, ''),
    secret: values.secret ?? env.STRIPE_WEBHOOK_SECRET ?? LOCAL_STRIPE_WEBHOOK_SECRET,
    mongoUrl: values['mongo-url'] ?? env.MONGO_URL ?? 'mongodb://127.0.0.1:27017',
    database: values.database,
  }
}

/**
 * The amount of the escrow funded by `paymentIntentId`, read from `<database>.escrows` (the payment
 * service's collection; field `amount: {amountMinor, currency}`).
 *
 * @throws TriggerError when MongoDB does not answer within 3 s, no escrow has that PaymentIntent,
 *   or its amount is not integer minor units with a currency — each message says to pass
 *   `--amount` and `--currency` instead
 */
export async function escrowAmount(
  mongoUrl: string,
  paymentIntentId: string,
  database: string = ESCROW_SOURCE.database,
): Promise<MinorAmount> {
  const where = `${database}.${ESCROW_SOURCE.collection}`
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 3_000 })
  try {
    let doc
    try {
      doc = await client
        .db(database)
        .collection(ESCROW_SOURCE.collection)
        .findOne({ paymentIntentId }, { projection: { amount: 1 } })
    } catch (err) {
      throw new TriggerError(
        `cannot read ${where} at ${mongoUrl} (${(err as Error).message}); set MONGO_URL or pass --amount and --currency`,
      )
    }
    if (!doc)
      throw new TriggerError(
        `no escrow with paymentIntentId ${paymentIntentId} in ${where} at ${mongoUrl}; fund one first (POST /api/payments/escrow) or pass --amount and --currency`,
      )
    const amount = doc.amount as Partial<MinorAmount> | undefined
    if (!Number.isSafeInteger(amount?.amountMinor) || typeof amount?.currency !== 'string')
      throw new TriggerError(
        `the escrow of ${paymentIntentId} in ${where} has no amount {amountMinor, currency}; pass --amount and --currency`,
      )
    return { amountMinor: amount.amountMinor!, currency: amount.currency }
  } finally {
    await client.close()
  }
}

/**
 * The `data.object` of a `type` event: a PaymentIntent (`payment_intent.*`; `amount_received` is the
 * amount when succeeded, else 0) or a Dispute (`charge.dispute.created`, status `needs_response`).
 * Currencies are lower-case, as Stripe sends them.
 */
export function eventObject(
  type: TriggerType,
  paymentIntentId: string,
  amount: MinorAmount,
  reason = 'general',
): Record<string, unknown> {
  const currency = amount.currency.toLowerCase()
  const created = Math.floor(Date.now() / 1000)
  if (type === 'charge.dispute.created') {
    return {
      id: `dp_${randomBytes(12).toString('hex')}`,
      object: 'dispute',
      amount: amount.amountMinor,
      currency,
      charge: `ch_${randomBytes(12).toString('hex')}`,
      payment_intent: paymentIntentId,
      reason,
      status: 'needs_response',
      created,
      livemode: false,
      metadata: {},
    }
  }
  const succeeded = type === 'payment_intent.succeeded'
  return {
    id: paymentIntentId,
    object: 'payment_intent',
    amount: amount.amountMinor,
    amount_received: succeeded ? amount.amountMinor : 0,
    currency,
    status: succeeded ? 'succeeded' : 'requires_payment_method',
    created,
    livemode: false,
    metadata: {},
    ...(succeeded
      ? {}
      : {
          last_payment_error: {
            type: 'card_error',
            code: 'card_declined',
            decline_code: 'generic_decline',
            message: 'Your card was declined.',
          },
        }),
  }
}

/** What the webhook answered. */
export interface Delivery {
  /** HTTP status. */
  status: number
  /** The response body as text. */
  body: string
  /** The raw JSON body that was sent (and signed). */
  payload: string
}

/**
 * POSTs `event` to `<url>/api/webhooks/stripe` as Stripe does: the JSON text, content type
 * `application/json; charset=utf-8`, and the `Stripe-Signature` of exactly that text.
 *
 * @throws TriggerError when nothing answers at `url`
 */
export async function deliverStripeEvent(
  url: string,
  secret: string,
  event: StripeEventJson,
): Promise<Delivery> {
  const payload = JSON.stringify(event)
  let res: Response
  try {
    res = await fetch(`${url}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': signStripePayload(payload, secret),
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks) kelmah-stripe-trigger',
      },
      body: payload,
      signal: AbortSignal.timeout(15_000),
    })
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message
    throw new TriggerError(
      `cannot reach ${url}${WEBHOOK_PATH} (${cause}); is the system running (npm start)?`,
    )
  }
  return { status: res.status, body: await res.text(), payload }
}

/** Where {@link main} writes and what it reads. */
export interface MainIo {
  env?: NodeJS.ProcessEnv
  out?: (line: string) => void
  err?: (line: string) => void
}

/**
 * The command: parse, find the amount (flags or the escrow), build and deliver the event, print the
 * answer.
 *
 * @returns the exit code: 0 on a 2xx answer, 1 on another status or a {@link TriggerError}, 2 on a
 *   {@link UsageError}
 */
export async function main(argv: string[], io: MainIo = {}): Promise<number> {
  const out = io.out ?? ((line: string) => console.log(line))
  const err = io.err ?? ((line: string) => console.error(line))
  try {
    const args = triggerArgs(argv, io.env ?? process.env)
    const amount = args.amount ?? (await escrowAmount(args.mongoUrl, args.paymentIntentId, args.database))
    const event = stripeEvent(
      args.type,
      eventObject(args.type, args.paymentIntentId, amount, args.reason),
      args.eventId ? { id: args.eventId } : {},
    )
    out(
      `POST ${args.url}${WEBHOOK_PATH}  ${event.type} ${event.id}  ${args.paymentIntentId} ${amount.amountMinor} ${amount.currency.toLowerCase()}`,
    )
    const delivery = await deliverStripeEvent(args.url, args.secret, event)
    out(`→ ${delivery.status}${delivery.body ? ` ${delivery.body}` : ''}`)
    return delivery.status >= 200 && delivery.status < 300 ? 0 : 1
  } catch (e) {
    if (e instanceof UsageError) {
      err(`stripe:trigger: ${e.message}\n${USAGE}`)
      return 2
    }
    if (e instanceof TriggerError) {
      err(`stripe:trigger: ${e.message}`)
      return 1
    }
    throw e
  }
}

if (isMain(import.meta.url)) process.exitCode = await main(process.argv.slice(2))
