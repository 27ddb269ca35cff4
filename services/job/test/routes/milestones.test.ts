import t from 'tap'
import { buildTestApp, call } from '../fixtures/app.js'
import {
  accept,
  activeHire,
  eventually,
  getContract,
  hire,
  milestoneReaches,
  milestoneStep,
  PaymentEvents,
  signAs,
  type Hire,
} from '../fixtures/contracts.js'

const twoMilestones = [
  { title: 'Design', amountMinor: 40_000 },
  { title: 'Build', amountMinor: 100_000 },
]

t.test('milestones and cancellation', async (t) => {
  // A slow sweep: store writes relay their events at once, and FerretDB round trips are what a test pays for.
  const ta = await buildTestApp({ outboxIntervalMs: 5000 })
  const pay = await PaymentEvents.open(ta)
  t.teardown(async () => {
    await pay.close()
    await ta.close()
  })
  const job = async (h: Hire) => (await call(ta.app, 'GET', `/api/jobs/${h.job.id}`, h.hirer)).body
  const cancel = (h: Hire, actor: Hire['hirer'], body?: unknown) =>
    call(ta.app, 'POST', `/api/contracts/${h.contract.id}/cancel`, actor, body)
  const fund = async (h: Hire, m: number) => {
    await pay.publish(pay.funded(h, m))
    await milestoneReaches(ta, h, h.contract.milestones[m].id, 'funded')
  }
  const ofContract = (h: Hire) => (e: { data: unknown }) =>
    (e.data as { contractId?: string }).contractId === h.contract.id

  t.test(
    'the full flow: fund, submit, revise, approve, release — to a completed contract and job',
    async (t) => {
      const h = await activeHire(ta, { milestones: twoMilestones })
      const [m0, m1] = h.contract.milestones
      await fund(h, 0)
      await fund(h, 1)

      const submitted = await milestoneStep(ta, h.worker, h.contract.id, m0.id, 'submit', {
        note: 'Mock-ups attached',
        deliverables: ['https://files.example.com/design.pdf'],
      })
      t.equal(submitted.status, 200)
      t.match(submitted.body.contract.milestones[0], {
        status: 'submitted',
        submission: {
          note: 'Mock-ups attached',
          deliverables: ['https://files.example.com/design.pdf'],
          at: String,
        },
      })
      const sub = await ta.probe.waitFor((e) => e.type === 'MilestoneSubmitted' && ofContract(h)(e))
      t.match(sub.data, {
        milestoneId: m0.id,
        jobId: h.job.id,
        hirerId: h.hirer.id,
        workerId: h.worker.id,
        title: 'Design',
        note: 'Mock-ups attached',
      })

      const approved = await milestoneStep(ta, h.hirer, h.contract.id, m0.id, 'approve')
      t.equal(approved.status, 200)
      t.equal(approved.body.contract.milestones[0].status, 'approved')
      const appr = await ta.probe.waitFor((e) => e.type === 'MilestoneApproved' && ofContract(h)(e))
      t.match(appr.data, { milestoneId: m0.id, amount: { amountMinor: 40_000, currency: 'USD' } })

      await pay.publish(pay.released(h, 0))
      const released = await milestoneReaches(ta, h, m0.id, 'released')
      t.match(released.body.contract.milestones[0], {
        releasedAt: String,
        platformFee: { amountMinor: 4_000 },
      })
      t.equal(released.body.contract.status, 'active', 'one milestone is still open')

      // The revision loop on the second milestone.
      t.equal(
        (
          await milestoneStep(ta, h.worker, h.contract.id, m1.id, 'submit', {
            deliverables: ['https://example.com/v1'],
          })
        ).status,
        200,
      )
      const revision = await milestoneStep(ta, h.hirer, h.contract.id, m1.id, 'request-revision', {
        note: 'The checkout button is missing',
      })
      t.equal(revision.status, 200)
      t.match(revision.body.contract.milestones[1], {
        status: 'revision_requested',
        revisions: [{ note: 'The checkout button is missing' }],
      })
      t.equal(
        (await milestoneStep(ta, h.hirer, h.contract.id, m1.id, 'approve')).status,
        409,
        'a revision must be resubmitted first',
      )
      const resubmitted = await milestoneStep(ta, h.worker, h.contract.id, m1.id, 'submit', {
        note: 'Added it',
        deliverables: ['https://example.com/v2'],
      })
      t.equal(resubmitted.status, 200)
      t.match(resubmitted.body.contract.milestones[1], {
        status: 'submitted',
        submission: { deliverables: ['https://example.com/v2'] },
      })
      t.equal((await milestoneStep(ta, h.hirer, h.contract.id, m1.id, 'approve')).status, 200)

      await pay.publish(pay.released(h, 1))
      const done = await eventually(async () => {
        const res = await getContract(ta, h.worker, h.contract.id)
        return res.body.contract.status === 'completed' ? res : undefined
      })
      t.match(done.body.contract, {
        completedAt: String,
        milestones: [{ status: 'released' }, { status: 'released' }],
      })
      const completed = await ta.probe.waitFor((e) => e.type === 'ContractCompleted' && ofContract(h)(e))
      t.match(completed.data, {
        jobId: h.job.id,
        hirerId: h.hirer.id,
        workerId: h.worker.id,
        total: { amountMinor: 140_000, currency: 'USD' },
      })
      await eventually(async () => (await job(h)).status === 'completed', 10_000, 'the job to complete')
    },
  )

  t.test(
    'milestone routes: the wrong party gets 403, strangers and other contracts 404; racing approvals, one wins',
    async (t) => {
      const h = await activeHire(ta)
      const other = await hire(ta)
      const m = h.contract.milestones[0].id
      await fund(h, 0)
      const body = { deliverables: ['https://example.com/x'] }
      t.equal((await milestoneStep(ta, h.hirer, h.contract.id, m, 'submit', body)).status, 403)
      for (const stranger of [ta.worker(), ta.hirer(), other.worker, other.hirer]) {
        t.equal((await milestoneStep(ta, stranger, h.contract.id, m, 'submit', body)).status, 404)
        t.equal((await milestoneStep(ta, stranger, h.contract.id, m, 'approve')).status, 404)
        t.equal(
          (await milestoneStep(ta, stranger, h.contract.id, m, 'request-revision', { note: 'x' })).status,
          404,
        )
        t.equal((await cancel(h, stranger)).status, 404)
      }
      t.equal(
        (await milestoneStep(ta, h.worker, h.contract.id, '0123456789abcdef01234567', 'submit', body)).status,
        404,
      )
      t.equal((await milestoneStep(ta, h.worker, h.contract.id, m, 'submit', body)).status, 200)
      const workerApproves = await milestoneStep(ta, h.worker, h.contract.id, m, 'approve')
      t.equal(workerApproves.status, 403)
      t.equal(workerApproves.body.code, 'JOB_ERR_NOT_YOUR_STEP')
      t.equal(
        (await milestoneStep(ta, h.worker, h.contract.id, m, 'request-revision', { note: 'x' })).status,
        403,
      )
      // Two approvals racing: exactly one wins.
      const results = await Promise.all([
        milestoneStep(ta, h.hirer, h.contract.id, m, 'approve'),
        milestoneStep(ta, h.hirer, h.contract.id, m, 'approve'),
      ])
      t.same(results.map((r) => r.status).sort(), [200, 409])
    },
  )

  t.test('illegal moves are 409s naming the states; bad bodies are 400s naming the field', async (t) => {
    const pending = await hire(ta)
    const notActive = await milestoneStep(
      ta,
      pending.worker,
      pending.contract.id,
      pending.contract.milestones[0].id,
      'submit',
      { note: 'x' },
    )
    t.equal(notActive.status, 409)
    t.equal(notActive.body.code, 'JOB_ERR_CONTRACT_NOT_ACTIVE')

    const h = await activeHire(ta)
    const m = h.contract.milestones[0].id
    const unfunded = await milestoneStep(ta, h.worker, h.contract.id, m, 'submit', { note: 'done' })
    t.equal(unfunded.status, 409)
    t.equal(unfunded.body.code, 'JOB_ERR_MILESTONE_ILLEGAL_TRANSITION')
    t.match(unfunded.body.detail, /pending to submitted/)
    t.match(
      (await milestoneStep(ta, h.hirer, h.contract.id, m, 'approve')).body.detail,
      /pending to approved/,
    )

    const empty = await milestoneStep(ta, h.worker, h.contract.id, m, 'submit', {})
    t.equal(empty.status, 400)
    t.match(empty.body.errors, [{ field: 'deliverables' }])
    const badUrl = await milestoneStep(ta, h.worker, h.contract.id, m, 'submit', {
      deliverables: ['not a url'],
    })
    t.equal(badUrl.status, 400)
    t.match(badUrl.body.errors, [{ field: 'deliverables.0' }])
    const noNote = await milestoneStep(ta, h.hirer, h.contract.id, m, 'request-revision', {})
    t.equal(noNote.status, 400)
    t.match(noNote.body.errors, [{ field: 'note' }])

    await fund(h, 0)
    t.match(
      (await milestoneStep(ta, h.hirer, h.contract.id, m, 'request-revision', { note: 'x' })).body.detail,
      /funded to revision_requested/,
    )
  })

  t.test('a disputed milestone is frozen until the payment service releases it', async (t) => {
    const h = await activeHire(ta)
    const m = h.contract.milestones[0].id
    await fund(h, 0)
    t.equal((await milestoneStep(ta, h.worker, h.contract.id, m, 'submit', { note: 'done' })).status, 200)
    await pay.publish(pay.disputed(h, 0))
    const disputed = await milestoneReaches(ta, h, m, 'disputed')
    t.match(disputed.body.contract.milestones[0], {
      disputedAt: String,
      dispute: { disputeId: `dp_${m}`, raisedBy: h.hirer.id, reason: 'Work not delivered' },
    })
    t.equal((await milestoneStep(ta, h.hirer, h.contract.id, m, 'approve')).status, 409)
    t.equal((await milestoneStep(ta, h.worker, h.contract.id, m, 'submit', { note: 'again' })).status, 409)
    const noCancel = await cancel(h, h.worker)
    t.equal(noCancel.status, 409)
    t.equal(noCancel.body.code, 'JOB_ERR_CANCEL_NOT_ALLOWED')
    await pay.publish(pay.released(h, 0))
    await milestoneReaches(ta, h, m, 'released')
    await eventually(
      async () => (await getContract(ta, h.hirer, h.contract.id)).body.contract.status === 'completed',
    )
  })

  t.test('POST /api/contracts/:id/cancel', async (t) => {
    t.test('before signatures either party may cancel; the opening is freed for another hire', async (t) => {
      const h = await hire(ta)
      const other = ta.worker()
      const res = await cancel(h, h.worker, { reason: 'No longer available' })
      t.equal(res.status, 200)
      t.match(res.body.contract, {
        status: 'cancelled',
        cancelledAt: String,
        cancellation: {
          by: h.worker.id,
          reason: 'No longer available',
          mutual: false,
          refundableMilestoneIds: [],
        },
      })
      const ev = await ta.probe.waitFor((e) => e.type === 'ContractCancelled' && ofContract(h)(e))
      t.match(ev.data, {
        cancelledBy: h.worker.id,
        refundableMilestoneIds: [],
        reason: 'No longer available',
      })
      t.match(await job(h), { status: 'open', hiredCount: 0 })
      t.equal((await signAs(ta, h.hirer, h.contract.id)).status, 409, 'a cancelled contract cannot be signed')
      t.equal((await cancel(h, h.hirer)).status, 409, 'cancelled is final')
      // The job is open again with its opening free: the hirer can hire someone else.
      const a2 = await call(ta.app, 'POST', `/api/jobs/${h.job.id}/applications`, other, {
        coverLetter: 'I can start tomorrow and finish within the month.',
        bid: { amountMinor: 120_000, currency: 'USD' },
        estimatedDays: 20,
      })
      t.equal(a2.status, 201)
      t.equal((await accept(ta, h.hirer, a2.body.id)).status, 201)
    })

    t.test(
      'the hirer ends an active contract with nothing in escrow at once; the job opens again',
      async (t) => {
        const h = await activeHire(ta)
        t.equal((await job(h)).status, 'in_progress')
        const res = await cancel(h, h.hirer)
        t.equal(res.status, 200)
        t.equal(res.body.contract.status, 'cancelled')
        t.match(await job(h), { status: 'open', hiredCount: 0 })
      },
    )

    t.test(
      'with money in escrow the hirer only asks; the worker agreeing cancels with the escrow refundable',
      async (t) => {
        const h = await activeHire(ta, { milestones: twoMilestones })
        await fund(h, 0)
        const asked = await cancel(h, h.hirer, { reason: 'Budget cut' })
        t.equal(asked.status, 202)
        t.match(asked.body.contract, {
          status: 'active',
          cancellationRequest: { by: h.hirer.id, reason: 'Budget cut' },
        })
        t.equal((await cancel(h, h.hirer)).status, 409, 'asking twice')
        const agreed = await cancel(h, h.worker)
        t.equal(agreed.status, 200)
        t.match(agreed.body.contract.cancellation, {
          by: h.worker.id,
          mutual: true,
          refundableMilestoneIds: [h.contract.milestones[0].id],
        })
        const ev = await ta.probe.waitFor((e) => e.type === 'ContractCancelled' && ofContract(h)(e))
        t.same((ev.data as { refundableMilestoneIds: string[] }).refundableMilestoneIds, [
          h.contract.milestones[0].id,
        ])
        t.equal((await job(h)).status, 'open')
      },
    )

    t.test('nobody cancels while a milestone is approved; a completed contract is final', async (t) => {
      const h = await activeHire(ta)
      const m = h.contract.milestones[0].id
      await fund(h, 0)
      await milestoneStep(ta, h.worker, h.contract.id, m, 'submit', { note: 'done' })
      await milestoneStep(ta, h.hirer, h.contract.id, m, 'approve')
      for (const actor of [h.hirer, h.worker]) {
        const res = await cancel(h, actor)
        t.equal(res.status, 409)
        t.match(res.body.detail, /approved/)
      }
      await pay.publish(pay.released(h, 0))
      await eventually(
        async () => (await getContract(ta, h.hirer, h.contract.id)).body.contract.status === 'completed',
      )
      const late = await cancel(h, h.hirer)
      t.equal(late.status, 409)
      t.equal(late.body.code, 'JOB_ERR_CONTRACT_ILLEGAL_TRANSITION')
    })
  })
})
