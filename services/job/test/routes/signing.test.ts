import t from 'tap'
import { buildTestApp, call } from '../fixtures/app.js'
import { activeHire, getContract, hire, signAs } from '../fixtures/contracts.js'

t.test('signing and reading contracts', async (t) => {
  // A slow sweep: store writes relay their events at once, and FerretDB round trips are what a test pays for.
  const ta = await buildTestApp({ outboxIntervalMs: 5000 })
  t.teardown(() => ta.close())
  const getJob = async (id: string, actor: Parameters<typeof call>[3]) =>
    (await call(ta.app, 'GET', `/api/jobs/${id}`, actor)).body

  t.test('POST /api/contracts/:id/sign', async (t) => {
    t.test(
      'activates on the second signature (once per party, parties only), starts the job and publishes ContractSigned',
      async (t) => {
        const h = await hire(ta, {
          milestones: [
            { title: 'Design', amountMinor: 40_000 },
            { title: 'Build', amountMinor: 100_000 },
          ],
        })
        t.equal((await signAs(ta, ta.worker(), h.contract.id)).status, 404, 'a third party')
        t.equal((await signAs(ta, ta.hirer(), h.contract.id)).status, 404, 'another hirer')
        const first = await signAs(ta, h.worker, h.contract.id)
        t.equal(first.status, 200)
        const twice = await signAs(ta, h.worker, h.contract.id)
        t.equal(twice.status, 409)
        t.equal(twice.body.code, 'JOB_ERR_ALREADY_SIGNED')
        t.match(first.body.contract, {
          status: 'pending_signatures',
          workerSignedAt: String,
          hirerSignedAt: null,
        })
        t.equal((await getJob(h.job.id, h.hirer)).status, 'open')
        const second = await signAs(ta, h.hirer, h.contract.id)
        t.equal(second.status, 200)
        t.match(second.body.contract, { status: 'active', hirerSignedAt: String, activatedAt: String })
        t.equal((await getJob(h.job.id, h.hirer)).status, 'in_progress')
        t.equal(
          (await signAs(ta, h.worker, h.contract.id)).status,
          409,
          'an active contract takes no signature',
        )
        const signed = await ta.probe.waitFor(
          (e) =>
            e.type === 'ContractSigned' && (e.data as { contractId: string }).contractId === h.contract.id,
        )
        t.match(signed.data, {
          jobId: h.job.id,
          applicationId: h.application.id,
          hirerId: h.hirer.id,
          workerId: h.worker.id,
          title: h.job.title,
          total: { amountMinor: 140_000, currency: 'USD' },
          milestones: [{ title: 'Design' }, { title: 'Build' }],
        })
        await ta.probe.waitFor(
          (e) =>
            e.type === 'JobUpdated' &&
            (e.data as { jobId: string; status: string }).jobId === h.job.id &&
            (e.data as { status: string }).status === 'in_progress',
        )
      },
    )

    t.test('two concurrent signatures by the same party: one 200, one 409', async (t) => {
      const h = await hire(ta)
      const results = await Promise.all([
        signAs(ta, h.worker, h.contract.id),
        signAs(ta, h.worker, h.contract.id),
      ])
      t.same(results.map((r) => r.status).sort(), [200, 409])
    })

    t.test('both parties signing at once activates the contract exactly once', async (t) => {
      const h = await hire(ta)
      const results = await Promise.all([
        signAs(ta, h.worker, h.contract.id),
        signAs(ta, h.hirer, h.contract.id),
      ])
      t.same(
        results.map((r) => r.status),
        [200, 200],
      )
      t.equal((await getContract(ta, h.hirer, h.contract.id)).body.contract.status, 'active')
      await ta.probe.waitFor(
        (e) => e.type === 'ContractSigned' && (e.data as { contractId: string }).contractId === h.contract.id,
      )
      await new Promise((r) => setTimeout(r, 300))
      t.equal(
        ta.probe.events.filter(
          (e) =>
            e.type === 'ContractSigned' && (e.data as { contractId: string }).contractId === h.contract.id,
        ).length,
        1,
      )
    })
  })

  t.test('GET /api/contracts/:id and GET /api/contracts', async (t) => {
    t.test('shows a contract to its parties only; third parties and unknown ids get 404', async (t) => {
      const h = await hire(ta)
      t.equal((await getContract(ta, h.hirer, h.contract.id)).status, 200)
      t.equal((await getContract(ta, h.worker, h.contract.id)).status, 200)
      t.equal((await getContract(ta, ta.worker(), h.contract.id)).status, 404)
      t.equal((await getContract(ta, ta.hirer(), h.contract.id)).status, 404)
      const other = await hire(ta)
      t.equal(
        (await getContract(ta, other.worker, h.contract.id)).status,
        404,
        'the worker of another contract',
      )
      t.equal((await getContract(ta, h.hirer, '0123456789abcdef01234567')).status, 404)
      t.equal((await getContract(ta, h.hirer, 'nope')).status, 400)
    })

    t.test("lists the caller's contracts only, newest first, by role and status, page by page", async (t) => {
      const hirer = ta.hirer()
      const a = await hire(ta, { hirer })
      const b = await hire(ta, { hirer })
      const c = await activeHire(ta, { hirer })
      const page1 = await call(ta.app, 'GET', '/api/contracts?limit=2', hirer)
      t.equal(page1.status, 200)
      t.same(
        page1.body.items.map((x: { id: string }) => x.id),
        [c.contract.id, b.contract.id],
      )
      t.type(page1.body.nextCursor, 'string')
      const page2 = await call(ta.app, 'GET', `/api/contracts?limit=2&cursor=${page1.body.nextCursor}`, hirer)
      t.same(
        page2.body.items.map((x: { id: string }) => x.id),
        [a.contract.id],
      )
      t.equal(page2.body.nextCursor, null)

      const active = await call(ta.app, 'GET', '/api/contracts?status=active', hirer)
      t.same(
        active.body.items.map((x: { id: string }) => x.id),
        [c.contract.id],
      )
      const asWorker = await call(ta.app, 'GET', '/api/contracts?role=worker', hirer)
      t.same(asWorker.body.items, [])
      const workerView = await call(ta.app, 'GET', '/api/contracts?role=worker', a.worker)
      t.same(
        workerView.body.items.map((x: { id: string }) => x.id),
        [a.contract.id],
      )
      t.same(
        (await call(ta.app, 'GET', '/api/contracts', ta.worker())).body.items,
        [],
        'a stranger sees none',
      )
      const badCursor = await call(ta.app, 'GET', '/api/contracts?cursor=garbage', hirer)
      t.equal(badCursor.status, 400)
      t.match(badCursor.body.errors, [{ field: 'cursor' }])
    })
  })
})
