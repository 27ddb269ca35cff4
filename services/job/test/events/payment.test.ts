import { DEFAULT_RETRY_DELAYS_MS, queueNames } from '@kelmah/bus'
import { testEnv, uniqueName } from '@kelmah/testing'
import amqp from 'amqplib'
import { Types } from 'mongoose'
import t from 'tap'
import { contractCreated } from '../../src/events/contract-publishers.js'
import { contractModel, type ContractDoc } from '../../src/models/contract.js'
import { buildTestApp, call } from '../fixtures/app.js'
import {
  activeHire,
  eventually,
  getContract,
  jobWithApplication,
  milestoneReaches,
  PaymentEvents,
} from '../fixtures/contracts.js'

t.test('payment and hiring handlers', async (t) => {
  const serviceName = uniqueName('job_test')
  const ta = await buildTestApp({ outboxIntervalMs: 5000, serviceName })
  const pay = await PaymentEvents.open(ta)
  const conn = await amqp.connect(testEnv().amqpUrl)
  const ch = await conn.createChannel()
  t.teardown(async () => {
    await conn.close()
    await pay.close()
    await ta.close()
  })
  const Contract = contractModel(ta.app.mongo)
  const dlq = queueNames(serviceName, 'payments', DEFAULT_RETRY_DELAYS_MS).dlq
  /** Wait until the payments DLQ holds `n` messages, and return the newest one's error header. */
  const dlqReaches = async (n: number) =>
    eventually(async () => (await ch.checkQueue(dlq)).messageCount >= n, 10_000, `${n} dead-lettered events`)

  t.test(
    'EscrowFunded, PaymentReleased and DisputeRaised are idempotent: a repeat changes nothing',
    async (t) => {
      const h = await activeHire(ta)
      const m = h.contract.milestones[0].id
      const funded = pay.funded(h)
      await pay.publish(funded)
      await milestoneReaches(ta, h, m, 'funded')
      const v1 = (await Contract.findById(h.contract.id).lean())!.version
      await pay.publish(funded) // the same event again (a redelivery)
      await pay.publish(pay.funded(h)) // a second event stating the same fact
      // Both are consumed after this third, later fact (one queue, in order):
      await call(ta.app, 'POST', `/api/contracts/${h.contract.id}/milestones/${m}/submit`, h.worker, {
        note: 'done',
      })
      await pay.publish(pay.disputed(h))
      await milestoneReaches(ta, h, m, 'disputed')
      t.equal(
        (await Contract.findById(h.contract.id).lean())!.version,
        v1 + 2,
        'only the submit and the dispute wrote',
      )
      await pay.publish(pay.disputed(h)) // repeat
      const released = pay.released(h)
      await pay.publish(released)
      await pay.publish(released) // repeat
      await eventually(
        async () => (await getContract(ta, h.hirer, h.contract.id)).body.contract.status === 'completed',
      )
      await new Promise((r) => setTimeout(r, 500))
      const doc = (await Contract.findById(h.contract.id).lean())!
      t.equal(doc.version, v1 + 3, 'the release wrote once')
      t.equal(
        ta.probe.events.filter(
          (e) =>
            e.type === 'ContractCompleted' && (e.data as { contractId: string }).contractId === h.contract.id,
        ).length,
        1,
        'ContractCompleted once',
      )
      t.equal((await ch.checkQueue(dlq)).messageCount, 0, 'nothing dead-lettered')
    },
  )

  t.test(
    'events naming an unknown contract or milestone, or the wrong amount, go to the DLQ at once',
    async (t) => {
      const h = await activeHire(ta)
      const before = (await ch.checkQueue(dlq)).messageCount
      await pay.publish(pay.funded(h, 0, { contractId: new Types.ObjectId().toHexString() }))
      await pay.publish(pay.funded(h, 0, { milestoneId: new Types.ObjectId().toHexString() }))
      await pay.publish(pay.funded(h, 0, { amount: { amountMinor: 1, currency: 'USD' } }))
      await pay.publish(pay.released(h, 0)) // a release of a milestone nobody funded or approved
      await dlqReaches(before + 4)
      t.equal(
        (await getContract(ta, h.hirer, h.contract.id)).body.contract.milestones[0].status,
        'pending',
        'nothing recorded',
      )
    },
  )

  t.test('a crash between the contract insert and the follow-ups heals from ContractCreated', async (t) => {
    const { hirer, worker, job, application } = await jobWithApplication(ta)
    const other = ta.worker()
    const second = await call(ta.app, 'POST', `/api/jobs/${job.id}/applications`, other, {
      coverLetter: 'Another proposal, with a lower bid than the first one.',
      bid: { amountMinor: 130_000, currency: 'USD' },
      estimatedDays: 25,
    })
    t.equal(second.status, 201)
    // The claim as accept writes it, and then "the process dies": no follow-ups ran.
    const _id = new Types.ObjectId()
    const base = {
      _id,
      jobId: new Types.ObjectId(job.id as string),
      applicationId: new Types.ObjectId(application.id as string),
      hirerId: hirer.id,
      workerId: worker.id,
      title: job.title,
      total: { amountMinor: 140_000, currency: 'USD' },
      milestones: [
        {
          id: new Types.ObjectId().toHexString(),
          title: job.title,
          amount: { amountMinor: 140_000, currency: 'USD' },
          dueDate: null,
          status: 'pending' as const,
          submission: null,
          revisions: [],
          dispute: null,
          paymentIntentId: null,
          platformFee: null,
          fundedAt: null,
          submittedAt: null,
          approvedAt: null,
          releasedAt: null,
          disputedAt: null,
        },
      ],
    }
    // Written as accept writes it (the contract and its ContractCreated in one insert).
    const contracts = ta.app.store<ContractDoc>(Contract, { name: 'contract' })
    await contracts.create(
      {
        ...base,
        terms: 'as agreed',
        status: 'pending_signatures',
        hireSlot: `${job.id}:0`,
        hirerSignedAt: null,
        workerSignedAt: null,
        activatedAt: null,
        completedAt: null,
        cancelledAt: null,
        cancellation: null,
        cancellationRequest: null,
        version: 0,
        createdAt: new Date(),
        updatedAt: new Date(),
        settledVersion: -1,
      },
      [contractCreated(base, { producer: 'job' })],
    )
    const healed = await eventually(async () => {
      const a = await call(ta.app, 'GET', `/api/applications/${application.id}`, worker)
      return a.body.status === 'accepted' ? a : undefined
    })
    t.equal(healed.body.status, 'accepted')
    await eventually(
      async () =>
        (await call(ta.app, 'GET', `/api/applications/${second.body.id}`, other)).body.status === 'rejected',
    )
    t.equal((await call(ta.app, 'GET', `/api/jobs/${job.id}`, hirer)).body.hiredCount, 1)
    await ta.probe.waitFor(
      (e) =>
        e.type === 'ApplicationAccepted' && (e.data as { contractId: string }).contractId === String(_id),
    )
  })
})
