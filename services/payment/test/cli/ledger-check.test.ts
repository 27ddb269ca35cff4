import { money } from '@kelmah/contracts'
import { AggregateStore, systemClock } from '@kelmah/service-kit'
import { dropDatabase, uniqueMongoUrl } from '@kelmah/testing'
import mongoose from 'mongoose'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { main, type CliOutput } from '../../src/cli/ledger-check.js'
import { splitFee } from '../../src/domain/fees.js'
import type { LedgerReport } from '../../src/domain/invariants.js'
import {
  fundTransfer,
  payoutPaidTransfer,
  payoutTransfer,
  refundPaidTransfer,
  releaseTransfer,
  splitTransfer,
  type EscrowRef,
} from '../../src/domain/ledger.js'
import { paymentModels, type EscrowDoc, type TransferDoc } from '../../src/models/index.js'
import { Ledger } from '../../src/services/ledger.js'
import { checkLedgerStore } from '../../src/services/ledger-check.js'

const run = promisify(execFile)
const cli = fileURLToPath(new URL('../../src/cli/ledger-check.ts', import.meta.url))
const cause = { type: 'event' as const, id: 'evt_cli' }

/** Capture what the CLI prints. */
function capture(): CliOutput & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return { stdout, stderr, log: (l) => stdout.push(l), error: (l) => stderr.push(l) }
}

t.test('npm run ledger:check', async (t) => {
  const url = uniqueMongoUrl('payment_ledger_check_test')
  const conn = await mongoose
    .createConnection(url, { bufferCommands: false, serverSelectionTimeoutMS: 5_000 })
    .asPromise()
  const models = paymentModels(conn)
  await Promise.all([models.Transfer.init(), models.Escrow.init()])
  t.teardown(async () => {
    await conn.close()
    await dropDatabase(url)
  })
  const ledger = new Ledger(
    new AggregateStore<TransferDoc>(models.Transfer, { name: 'ledger transfer', touch: false }),
    systemClock,
  )
  const env = { MONGO_URL: url }

  /** An escrow document and its reference for the transfer builders. */
  async function escrow(
    milestoneId: string,
    amountMinor: number,
    status: EscrowDoc['status'],
  ): Promise<EscrowRef> {
    const ref: EscrowRef = {
      escrowId: `esc_${milestoneId}_1`,
      contractId: 'ctr_1',
      milestoneId,
      hirerId: 'hirer_1',
      workerId: 'worker_1',
      amount: money(amountMinor, 'GHS'),
    }
    await models.Escrow.create({
      _id: ref.escrowId,
      contractId: ref.contractId,
      milestoneId,
      attempt: 1,
      hirerId: ref.hirerId,
      workerId: ref.workerId,
      amount: ref.amount,
      status,
      requestId: `fund:hirer_1:${milestoneId}`,
      version: 0,
    })
    return ref
  }

  // A consistent ledger: one release, one split with its refund made, one payout sent and one
  // reserved, one escrow still held, one attempt that failed.
  const released = await escrow('m1', 10_000, 'released')
  const split = await escrow('m2', 5_000, 'split')
  const held = await escrow('m3', 2_000, 'funded')
  await escrow('m4', 3_000, 'failed')
  for (const e of [released, split, held]) await ledger.post(fundTransfer(e, cause))
  await ledger.post(releaseTransfer(released, splitFee(released.amount, 1000).fee, cause))
  const gross = money(2_000, 'GHS')
  await ledger.post(splitTransfer(split, gross, splitFee(gross, 1000).fee, cause, 'dsp_1'))
  await ledger.post(refundPaidTransfer(split, money(3_000, 'GHS'), cause))
  const sent = { payoutId: 'po_1', userId: 'worker_1', amount: money(5_000, 'GHS') }
  await ledger.post(payoutTransfer(sent, cause))
  await ledger.post(payoutPaidTransfer(sent, cause))
  await ledger.post(
    payoutTransfer({ payoutId: 'po_2', userId: 'worker_1', amount: money(1_000, 'GHS') }, cause),
  )

  t.test('checkLedgerStore reads every stored transfer and escrow', async (t) => {
    const report = await checkLedgerStore(models)
    t.equal(report.ok, true, JSON.stringify(report.violations))
    t.equal(report.transfers, 9)
    t.same(report.totals, { GHS: 0 })
    t.same(report.pending, { 'payout:po_2': 1_000 })
  })

  t.test('exits 0 on a consistent ledger and prints a summary', async (t) => {
    const out = capture()
    t.equal(await main([], env, out), 0, out.stderr.join('\n'))
    const text = out.stdout.join('\n')
    t.match(text, /ledger check: OK — 9 transfers over \d+ accounts/)
    t.match(text, /GHS 0/)
    t.match(text, /pending refunds .*: none/)
    t.match(text, /pending payouts .*: payout:po_2 1000/)
    t.match(text, /violations: none/)
    t.same(out.stderr, [])
  })

  t.test('--json prints the report', async (t) => {
    const out = capture()
    t.equal(await main(['--json'], env, out), 0)
    const report = JSON.parse(out.stdout.join('\n')) as LedgerReport
    t.match(report, { ok: true, transfers: 9, totals: { GHS: 0 }, violations: [] })
  })

  t.test('exits 1 on a broken ledger, naming each violation', async (t) => {
    // A funded escrow that was never funded, and an unbalanced transfer written around the Ledger.
    await escrow('m5', 4_000, 'funded')
    await models.Transfer.create({
      _id: 'fund:esc_m9_1',
      kind: 'fund',
      currency: 'GHS',
      postings: [
        { account: 'stripe:clearing:GHS', amountMinor: -700 },
        { account: 'wallet:worker_1:GHS', amountMinor: 699 },
      ],
      accounts: ['stripe:clearing:GHS', 'wallet:worker_1:GHS'],
      parties: [],
      debitAccount: null,
      debitSeq: 0,
      slot: 'free:fund:esc_m9_1',
      escrowId: 'esc_m9_1',
      cause,
      createdAt: new Date(),
      version: 0,
    })
    const out = capture()
    t.equal(await main([], env, out), 1)
    const text = out.stdout.join('\n')
    t.match(text, /ledger check: \d+ VIOLATION\(S\)/)
    t.match(text, /\[transfer_unbalanced\] fund:esc_m9_1 sums to -1/)
    t.match(text, /\[currency_unbalanced\] GHS postings sum to -1/)
    t.match(text, /\[escrow\] escrow esc_m5_1 is funded but was never funded/)
    t.match(text, /\[escrow\] fund:esc_m9_1 names no escrow/)

    const json = capture()
    t.equal(await main(['--json'], env, json), 1)
    const report = JSON.parse(json.stdout.join('\n')) as LedgerReport
    t.equal(report.ok, false)
    t.ok(report.violations.some((v) => v.rule === 'transfer_unbalanced'))
  })

  t.test('run as a script, it sets the exit code and prints JSON', async (t) => {
    const result = await run(
      process.execPath,
      ['--conditions=development', '--import', 'tsx', cli, '--json'],
      {
        env: { ...process.env, MONGO_URL: url },
      },
    ).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    )
    t.equal(result.code, 1)
    t.match(JSON.parse(result.stdout), { ok: false, transfers: 10 })
  })
})

t.test('exits 2 with a clear message when the database cannot be reached', async (t) => {
  const out = capture()
  const code = await main([], { MONGO_URL: 'mongodb://kelmah:secret@127.0.0.1:1/kelmah_payment' }, out)
  t.equal(code, 2)
  const text = out.stderr.join('\n')
  t.match(text, /could not read the ledger at mongodb:\/\/kelmah:\*\*\*@127\.0\.0\.1:1\/kelmah_payment/)
  t.notMatch(text, /secret/, 'the password is not printed')
  t.match(text, /npm run infra:up/)
  t.same(out.stdout, [])
})

t.test('exits 2 on a malformed MONGO_URL or an unknown argument', async (t) => {
  const badUrl = capture()
  t.equal(await main([], { MONGO_URL: 'postgres://x' }, badUrl), 2)
  t.match(badUrl.stderr.join('\n'), /MONGO_URL/)
  const badArg = capture()
  t.equal(await main(['--nope'], {}, badArg), 2)
  t.match(badArg.stderr.join('\n'), /usage: npm run ledger:check/)
  const help = capture()
  t.equal(await main(['--help'], {}, help), 0)
  t.match(help.stdout.join('\n'), /usage/)
})
