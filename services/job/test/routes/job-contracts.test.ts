/**
 * The job and contract state machines agree (`src/domain/job-contracts.ts`): closing or cancelling
 * a job withdraws its unsigned contracts, which can then never activate; a signed one refuses the
 * end; a contract on an ended job is withdrawn by the next signature or follow-up; and the race
 * "close while the second signature lands", run from two app instances on one database, always
 * ends with one of the two outcomes.
 */
import { Types } from 'mongoose'
import t, { type Test } from 'tap'
import { buildTestApp, call, type Actor } from '../fixtures/app.js'
import { eventually, getContract, hire, signAs, type Hire } from '../fixtures/contracts.js'

// No sweep during the file: store writes relay their events at once (`kick`), so a probe sees
// each event within milliseconds of its write.
const NO_SWEEP_MS = 3_600_000
const ta = await buildTestApp({ outboxIntervalMs: NO_SWEEP_MS })
// A second instance on the same database: its own connection (FerretDB does not isolate
// concurrent updates across connections, docs/ferretdb.md), same token keys, no consumers, and
// the SAME exchange. Its outbox relay must not sweep: a sweep of the shared database relays what
// the FIRST app wrote — to the exchange the relay publishes on (its own one, before: the probe
// never saw that ContractCancelled, the flake of 9e6c171), and with a `$pullAll` from a second
// connection that can undo a write the first app made at the same moment (FerretDB). So it
// relays only what it wrote itself, on kick, where ta's probe sees it.
const other = await buildTestApp({
  mongoUrl: ta.mongoUrl,
  busExchange: ta.exchange,
  jwks: ta.kit.jwks,
  skipSubscriptions: true,
  outboxIntervalMs: NO_SWEEP_MS,
})
t.teardown(async () => {
  await other.close()
  await ta.close()
})

/**
 * Wait until the hire's own asynchronous work is over — its events relayed (outboxes empty) and
 * `ContractCreated` handled by this service's `hiring` consumer — so a race the test starts next
 * is only between the two requests it sends.
 */
async function quiet(h: Hire): Promise<void> {
  const created = await ta.probe.waitFor(
    (e) => e.type === 'ContractCreated' && (e.data as { contractId: string }).contractId === h.contract.id,
  )
  const db = ta.app.mongo
  await eventually(
    async () => {
      const [contract, job, handled] = await Promise.all([
        db.collection('contracts').findOne({ _id: new Types.ObjectId(h.contract.id) }),
        db.collection('jobs').findOne({ _id: new Types.ObjectId(h.job.id) }),
        db.collection<{ _id: string }>('inbox').findOne({ _id: `${ta.serviceName}.hiring:${created.id}` }),
      ])
      return contract?.outbox?.length === 0 && job?.outbox?.length === 0 && handled !== null
    },
    5_000,
    'the hire to settle',
  )
}

const getJob = async (id: string, actor: Actor) => (await call(ta.app, 'GET', `/api/jobs/${id}`, actor)).body
const contractOf = async (h: Hire) => (await getContract(ta, h.hirer, h.contract.id)).body.contract
const end = (app: typeof ta.app, h: Hire, what: 'close' | 'cancel') =>
  call(app, 'POST', `/api/jobs/${h.job.id}/${what}`, h.hirer, {})

for (const what of ['close', 'cancel'] as const) {
  const status = what === 'close' ? 'closed' : 'cancelled'
  const reason = what === 'close' ? 'job_closed' : 'job_cancelled'

  t.test(`${what} a job with a contract awaiting signatures: the contract is withdrawn`, async (t) => {
    const h = await hire(ta)
    t.equal((await signAs(ta, h.worker, h.contract.id)).status, 200, 'the worker signed')
    const res = await end(ta.app, h, what)
    t.equal(res.status, 200)
    t.match(res.body, { status, hiredCount: 0 })
    t.match(await contractOf(h), {
      status: 'cancelled',
      cancellation: { by: h.hirer.id, reason, mutual: false, refundableMilestoneIds: [] },
    })
    await ta.probe.waitFor(
      (e) =>
        e.type === 'ContractCancelled' &&
        (e.data as { contractId: string; reason?: string }).contractId === h.contract.id &&
        (e.data as { reason?: string }).reason === reason,
    )
    const sign = await signAs(ta, h.hirer, h.contract.id)
    t.equal(sign.status, 409, 'the second signature is refused')
    t.equal(sign.body.code, 'JOB_ERR_CONTRACT_ILLEGAL_TRANSITION')
    t.match(await contractOf(h), { status: 'cancelled', activatedAt: null })
    t.equal((await getJob(h.job.id, h.hirer)).status, status, 'the job stays ended')
    t.notOk(
      ta.probe.events.some(
        (e) => e.type === 'ContractSigned' && (e.data as { contractId: string }).contractId === h.contract.id,
      ),
      'no ContractSigned',
    )
  })
}

t.test('a job with a signed contract cannot be closed or cancelled', async (t) => {
  const h = await hire(ta)
  await signAs(ta, h.worker, h.contract.id)
  await signAs(ta, h.hirer, h.contract.id)
  for (const what of ['close', 'cancel'] as const) {
    const res = await end(ta.app, h, what)
    t.equal(res.status, 409, what)
    t.equal(res.body.code, 'JOB_ERR_ILLEGAL_TRANSITION', 'the job is in progress')
  }
  t.match(await contractOf(h), { status: 'active' })
})

t.test(
  'the close finds the activation committed first: 409 naming the contract, nothing changes',
  async (t) => {
    const h = await hire(ta)
    await signAs(ta, h.worker, h.contract.id)
    // The second signature is in flight: it won the contract's fate and is about to write `active`.
    await ta.app.mongo.collection('contract_fates').insertOne({
      _id: new Types.ObjectId(h.contract.id),
      jobId: new Types.ObjectId(h.job.id),
      fate: 'activated',
      reason: 'signed',
      at: new Date(),
    })
    const res = await end(ta.app, h, 'close')
    t.equal(res.status, 409)
    t.equal(res.body.code, 'JOB_ERR_HIRE_IN_PROGRESS')
    t.match(res.body.detail, h.contract.id)
    t.equal((await getJob(h.job.id, h.hirer)).status, 'open', 'the job is not written')
    t.match(await contractOf(h), { status: 'pending_signatures' })
    const sign = await signAs(ta, h.hirer, h.contract.id)
    t.equal(sign.status, 200, 'the signature completes')
    t.match(sign.body.contract, { status: 'active' })
    t.equal((await getJob(h.job.id, h.hirer)).status, 'in_progress')
  },
)

t.test(
  'a contract left pending on an ended job is withdrawn by the next signature (409 JOB_ENDED)',
  async (t) => {
    // As when an accept read the job open just before the close wrote it.
    const h = await hire(ta)
    await signAs(ta, h.worker, h.contract.id)
    await ta.app.mongo
      .collection('jobs')
      .updateOne({ _id: new Types.ObjectId(h.job.id) }, { $set: { status: 'closed' }, $inc: { version: 1 } })
    const sign = await signAs(ta, h.hirer, h.contract.id)
    t.equal(sign.status, 409)
    t.equal(sign.body.code, 'JOB_ERR_JOB_ENDED')
    t.match(sign.body.detail, /closed/)
    t.match(await contractOf(h), {
      status: 'cancelled',
      cancellation: { reason: 'job_closed' },
      activatedAt: null,
    })
    t.match(await getJob(h.job.id, h.hirer), { status: 'closed', hiredCount: 0 })
  },
)

t.test('a party cancelling a pending contract loses to an activation committed first (409)', async (t) => {
  const h = await hire(ta)
  await signAs(ta, h.worker, h.contract.id)
  await ta.app.mongo.collection('contract_fates').insertOne({
    _id: new Types.ObjectId(h.contract.id),
    jobId: new Types.ObjectId(h.job.id),
    fate: 'activated',
    reason: 'signed',
    at: new Date(),
  })
  const res = await call(ta.app, 'POST', `/api/contracts/${h.contract.id}/cancel`, h.worker, {})
  t.equal(res.status, 409)
  t.equal(res.body.code, 'JOB_ERR_CONCURRENT_UPDATE')
  t.match(await contractOf(h), { status: 'pending_signatures' })
})

/**
 * Race the hirer's second signature (on `ta`) against the job's end (on `closer`), `rounds`
 * times, alternating close and cancel; every round must end with exactly one winner and the
 * state that winner implies.
 */
const LAGS_MS = [2, 6, 12, 25]

async function race(t: Test, closer: typeof ta.app, rounds: number): Promise<void> {
  const outcomes: Record<string, number> = {}
  for (let i = 0; i < rounds; i++) {
    const h = await hire(ta)
    t.equal((await signAs(ta, h.worker, h.contract.id)).status, 200)
    await quiet(h)
    // Even rounds send both at once; odd ones send the end first and the signature `lag` ms
    // later, sweeping the window in which each may claim the fate first (on one instance the
    // signature, with fewer reads before its claim, otherwise nearly always wins).
    const lag = i % 2 ? LAGS_MS[(i >> 1) % LAGS_MS.length]! : 0
    const ending = end(closer, h, i % 2 ? 'cancel' : 'close')
    if (lag) await new Promise((r) => setTimeout(r, lag))
    const [sign, close] = await Promise.all([
      call(ta.app, 'POST', `/api/contracts/${h.contract.id}/sign`, h.hirer),
      ending,
    ])
    const contract = await contractOf(h)
    const job = await getJob(h.job.id, h.hirer)
    const fate = await ta.app.mongo
      .collection('contract_fates')
      .findOne({ _id: new Types.ObjectId(h.contract.id) })
    const signed = sign.status === 200
    const ended = close.status === 200
    t.not(signed, ended, `round ${i}: exactly one wins (sign ${sign.status}, end ${close.status})`)
    if (signed) {
      t.match(close.body, { code: /^JOB_ERR_(HIRE_IN_PROGRESS|ILLEGAL_TRANSITION)$/ }, `round ${i}`)
      t.equal(contract.status, 'active', `round ${i}: the contract is active`)
      t.equal(fate?.fate, 'activated', `round ${i}: its fate`)
      t.equal(job.status, 'in_progress', `round ${i}: the job is in progress`)
    } else {
      t.match(sign.body, { code: /^JOB_ERR_(JOB_ENDED|CONTRACT_ILLEGAL_TRANSITION)$/ }, `round ${i}`)
      t.equal(contract.status, 'cancelled', `round ${i}: the contract is withdrawn`)
      t.equal(contract.activatedAt, null)
      t.equal(fate?.fate, 'voided', `round ${i}: its fate`)
      t.match(job, { status: /^(closed|cancelled)$/, hiredCount: 0 }, `round ${i}: the job ended`)
    }
    const key = signed ? 'signed' : 'ended'
    outcomes[key] = (outcomes[key] ?? 0) + 1
  }
  t.comment(`outcomes: ${JSON.stringify(outcomes)}`)
}

t.test('close while the second signature lands, on one instance: one outcome, every round', (t) =>
  race(t, ta.app, 8),
)

t.test('close while the second signature lands, from two instances: one outcome, every round', (t) =>
  race(t, other.app, 8),
)
