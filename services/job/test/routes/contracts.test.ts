import { randomUUID } from 'node:crypto'
import type { DomainEvent } from '@kelmah/contracts'
import t from 'tap'
import { buildTestApp, call, apply } from '../fixtures/app.js'
import { accept, eventually, hire, jobWithApplication, signAs } from '../fixtures/contracts.js'

const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)
const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)

t.test('contracts', async (t) => {
  // A slow sweep: store writes relay their events at once, and FerretDB round trips are what a test pays for.
  const ta = await buildTestApp({ outboxIntervalMs: 5000 })
  t.teardown(() => ta.close())
  const getJob = async (id: string, actor: Parameters<typeof call>[3]) =>
    (await call(ta.app, 'GET', `/api/jobs/${id}`, actor)).body
  const getApplication = async (id: string, actor: Parameters<typeof call>[3]) =>
    (await call(ta.app, 'GET', `/api/applications/${id}`, actor)).body
  /**
   * The application once it reads `rejected`: the accept returns before the job's other
   * applications are rejected (the service's `ContractCreated` consumer rejects them).
   */
  const rejectedSoon = (id: string, actor: Parameters<typeof call>[3]) =>
    eventually(
      async () => {
        const a = await getApplication(id, actor)
        return a.status === 'rejected' ? a : undefined
      },
      10_000,
      `application ${id} to be rejected`,
    )
  /** The `ApplicationRejected` events of application `id` seen so far. */
  const rejections = (id: string) =>
    ta.probe.events.filter(
      (e) => e.type === 'ApplicationRejected' && (e.data as { applicationId: string }).applicationId === id,
    )

  t.test('POST /api/applications/:id/accept', async (t) => {
    t.test(
      'creates a contract awaiting signatures with one milestone for the whole bid, titled after the job',
      async (t) => {
        const { hirer, worker, job, application } = await jobWithApplication(ta)
        const res = await accept(ta, hirer, application.id)
        t.equal(res.status, 201)
        const c = res.body.contract
        t.match(c, {
          id: /^[0-9a-f]{24}$/,
          status: 'pending_signatures',
          jobId: job.id,
          applicationId: application.id,
          hirerId: hirer.id,
          workerId: worker.id,
          title: job.title,
          total: { amountMinor: 140_000, currency: 'USD' },
          hirerSignedAt: null,
          workerSignedAt: null,
        })
        t.ok(c.terms.includes(job.description), 'default terms quote the job description')
        t.equal(c.milestones.length, 1)
        t.match(c.milestones[0], {
          id: /^[0-9a-f]{24}$/,
          title: job.title,
          amount: { amountMinor: 140_000, currency: 'USD' },
          status: 'pending',
          dueDate: null,
        })
        t.notOk('hireSlot' in c || 'outbox' in c, 'no internals leak')

        t.equal((await getApplication(application.id, worker)).status, 'accepted')
        const after = await getJob(job.id, hirer)
        t.equal(after.hiredCount, 1)
        t.equal(after.status, 'open', 'the job starts only when the contract is signed')
        const created = await ta.probe.waitFor(
          (e) => e.type === 'ContractCreated' && (e.data as { contractId: string }).contractId === c.id,
        )
        t.match(created.data, {
          jobId: job.id,
          applicationId: application.id,
          total: { amountMinor: 140_000 },
          milestones: [{ milestoneId: c.milestones[0].id }],
        })
        await ta.probe.waitFor(
          (e) => e.type === 'ApplicationAccepted' && (e.data as { contractId: string }).contractId === c.id,
        )
      },
    )

    t.test('takes explicit milestones and terms', async (t) => {
      const { hirer, application } = await jobWithApplication(ta)
      const due = tomorrow()
      const res = await accept(ta, hirer, application.id, {
        terms: 'Three pages, two rounds of changes.',
        milestones: [
          { title: 'Design', amountMinor: 40_000, dueDate: due },
          { title: 'Build', amountMinor: 100_000 },
        ],
      })
      t.equal(res.status, 201)
      t.equal(res.body.contract.terms, 'Three pages, two rounds of changes.')
      t.match(res.body.contract.milestones, [
        {
          title: 'Design',
          amount: { amountMinor: 40_000, currency: 'USD' },
          dueDate: due,
          status: 'pending',
        },
        {
          title: 'Build',
          amount: { amountMinor: 100_000, currency: 'USD' },
          dueDate: null,
          status: 'pending',
        },
      ])
      t.not(res.body.contract.milestones[0].id, res.body.contract.milestones[1].id)
    })

    t.test(
      'refuses milestones that do not add up to the bid, naming milestones, and changes nothing',
      async (t) => {
        const { hirer, worker, job, application } = await jobWithApplication(ta)
        const res = await accept(ta, hirer, application.id, {
          milestones: [{ title: 'All', amountMinor: 1 }],
        })
        t.equal(res.status, 400)
        t.equal(res.body.code, 'JOB_ERR_INVALID_MILESTONES')
        t.match(res.body.errors, [{ field: 'milestones' }])
        t.equal((await getApplication(application.id, worker)).status, 'pending')
        t.equal((await getJob(job.id, hirer)).hiredCount, 0)
      },
    )

    t.test(
      'refuses a past due date, a zero amount, an empty list and a malformed date, naming each field',
      async (t) => {
        const { hirer, application } = await jobWithApplication(ta)
        const past = await accept(ta, hirer, application.id, {
          milestones: [{ title: 'All', amountMinor: 140_000, dueDate: yesterday() }],
        })
        t.equal(past.status, 400)
        t.match(past.body.errors, [{ field: 'milestones.0.dueDate' }])
        const zero = await accept(ta, hirer, application.id, {
          milestones: [{ title: 'All', amountMinor: 0 }],
        })
        t.equal(zero.status, 400)
        t.match(zero.body.errors, [{ field: 'milestones.0.amountMinor' }])
        const empty = await accept(ta, hirer, application.id, { milestones: [] })
        t.equal(empty.status, 400)
        t.match(empty.body.errors, [{ field: 'milestones' }])
        const bad = await accept(ta, hirer, application.id, {
          milestones: [{ title: 'All', amountMinor: 140_000, dueDate: 'next week' }],
        })
        t.equal(bad.status, 400)
        t.match(bad.body.errors, [{ field: 'milestones.0.dueDate' }])
      },
    )

    t.test(
      'is for the hirer of the job only: a worker gets 403, another hirer 404, no token 401',
      async (t) => {
        const { worker, application } = await jobWithApplication(ta)
        t.equal((await accept(ta, worker, application.id)).status, 403)
        t.equal((await accept(ta, ta.hirer(), application.id)).status, 404)
        t.equal((await accept(ta, null as never, application.id)).status, 401)
        t.equal((await accept(ta, ta.hirer(), '0123456789abcdef01234567')).status, 404)
      },
    )

    t.test('refuses an application already accepted, rejected or withdrawn with 409', async (t) => {
      const h = await hire(ta)
      const again = await accept(ta, h.hirer, h.application.id)
      t.equal(again.status, 409)
      t.equal(again.body.code, 'JOB_ERR_ALREADY_HIRED')

      const w = await jobWithApplication(ta, { openings: 2 })
      t.equal(
        (await call(ta.app, 'POST', `/api/applications/${w.application.id}/withdraw`, w.worker)).status,
        200,
      )
      const withdrawn = await accept(ta, w.hirer, w.application.id)
      t.equal(withdrawn.status, 409)
      t.match(withdrawn.body.detail, /withdrawn/)
    })

    t.test('refuses when the job is not open (409)', async (t) => {
      const { hirer, job, application } = await jobWithApplication(ta)
      t.equal((await call(ta.app, 'POST', `/api/jobs/${job.id}/close`, hirer, {})).status, 200)
      const res = await accept(ta, hirer, application.id)
      t.equal(res.status, 409)
    })

    t.test('rejects the other applications of a single-hire job (position_filled)', async (t) => {
      const { hirer, job, application } = await jobWithApplication(ta)
      const other = ta.worker()
      const second = await apply(ta.app, other, job.id)
      t.equal((await accept(ta, hirer, application.id)).status, 201)
      const rejected = await rejectedSoon(second.id, other)
      t.match(rejected, { status: 'rejected', rejectionReason: 'position_filled' })
      await ta.probe.waitFor(
        (e) =>
          e.type === 'ApplicationRejected' &&
          (e.data as { applicationId: string }).applicationId === second.id,
      )
    })

    t.test(
      'rejects many other applications at once, each with its event, and leaves a withdrawn one',
      async (t) => {
        const { hirer, job, application } = await jobWithApplication(ta)
        const others = [ta.worker(), ta.worker(), ta.worker()]
        const applied = await Promise.all(others.map((w) => apply(ta.app, w, job.id)))
        const gone = ta.worker()
        const withdrawn = await apply(ta.app, gone, job.id)
        t.equal(
          (await call(ta.app, 'POST', `/api/applications/${withdrawn.id}/withdraw`, gone, {})).status,
          200,
        )
        t.equal((await accept(ta, hirer, application.id)).status, 201)
        for (const [i, a] of applied.entries()) {
          t.match(await rejectedSoon(a.id, others[i]), {
            status: 'rejected',
            rejectionReason: 'position_filled',
          })
          await ta.probe.waitFor(
            (e) =>
              e.type === 'ApplicationRejected' &&
              (e.data as { applicationId: string }).applicationId === a.id,
          )
        }
        t.equal((await getApplication(withdrawn.id, gone)).status, 'withdrawn')
      },
    )

    t.test(
      'the others end up rejected, each with one event; a redelivered ContractCreated rejects nothing twice',
      async (t) => {
        const { hirer, job, application } = await jobWithApplication(ta)
        const others = [ta.worker(), ta.worker(), ta.worker()]
        const applied = await Promise.all(others.map((w) => apply(ta.app, w, job.id)))
        const listed = await call(ta.app, 'POST', `/api/applications/${applied[0].id}/shortlist`, hirer, {})
        t.equal(listed.status, 200, 'a shortlisted one is rejected too')
        const res = await accept(ta, hirer, application.id)
        t.equal(res.status, 201)
        const created = await ta.probe.waitFor(
          (e) =>
            e.type === 'ContractCreated' &&
            (e.data as { contractId: string }).contractId === res.body.contract.id,
        )
        const versions: number[] = []
        for (const [i, a] of applied.entries()) {
          const rejected = await rejectedSoon(a.id, others[i])
          t.match(rejected, { rejectionReason: 'position_filled' })
          versions.push(rejected.version)
          const event = await ta.probe.waitFor(
            (e) =>
              e.type === 'ApplicationRejected' &&
              (e.data as { applicationId: string }).applicationId === a.id,
          )
          t.match(event, {
            correlationId: created.correlationId,
            data: { jobId: job.id, workerId: others[i]!.id, reason: 'position_filled' },
          })
        }
        t.equal((await getApplication(application.id, hirer)).status, 'accepted')
        // The same event again (the bus's inbox drops it), then a copy under a new id, which the
        // inbox does not know: the consumer runs again and finds nothing left to reject.
        // What the probe took off the bus is the ContractCreated the service published.
        const again = created as unknown as DomainEvent
        await ta.deliver(again, 'hiring')
        await ta.deliver({ ...again, id: randomUUID() }, 'hiring')
        for (const [i, a] of applied.entries()) {
          t.match(await getApplication(a.id, others[i]), { status: 'rejected', version: versions[i] })
          t.equal(rejections(a.id).length, 1, `one ApplicationRejected for application ${i}`)
        }
        t.equal((await getApplication(application.id, hirer)).status, 'accepted')
        t.equal((await getJob(job.id, hirer)).hiredCount, 1)
      },
    )

    t.test(
      'a worker applying after the hire (the job still open) is rejected when it is signed',
      async (t) => {
        const h = await hire(ta)
        const late = ta.worker()
        const applied = await apply(ta.app, late, h.job.id)
        t.equal((await signAs(ta, h.worker, h.contract.id)).status, 200)
        t.equal((await signAs(ta, h.hirer, h.contract.id)).status, 200)
        t.match(await rejectedSoon(applied.id, late), { rejectionReason: 'position_filled' })
        t.equal((await getJob(h.job.id, h.hirer)).status, 'in_progress')
        const refused = await call(ta.app, 'POST', `/api/jobs/${h.job.id}/applications`, ta.worker(), {
          coverLetter: 'Too late: the job is in progress now.',
          bid: { amountMinor: 140_000, currency: 'USD' },
          estimatedDays: 30,
        })
        t.equal(refused.status, 409, 'a job in progress takes no applications')
        t.equal(refused.body.code, 'JOB_ERR_NOT_OPEN')
      },
    )

    t.test('keeps the other applications of a multi-opening job until every opening is filled', async (t) => {
      const { hirer, job, application } = await jobWithApplication(ta, { openings: 2 })
      const w2 = ta.worker()
      const w3 = ta.worker()
      const a2 = await apply(ta.app, w2, job.id)
      const a3 = await apply(ta.app, w3, job.id)
      t.equal((await accept(ta, hirer, application.id)).status, 201)
      t.equal((await getApplication(a3.id, w3)).status, 'pending')
      const c2 = (await accept(ta, hirer, a2.id)).body.contract
      t.equal((await getJob(job.id, hirer)).hiredCount, 2)
      t.match(await rejectedSoon(a3.id, w3), { status: 'rejected', rejectionReason: 'position_filled' })
      // Signing the second contract leaves the job in progress.
      const c1 = (await call(ta.app, 'GET', '/api/contracts?role=hirer&limit=2', hirer)).body.items[1]
      for (const c of [c1, c2]) {
        t.equal((await signAs(ta, hirer, c.id)).status, 200)
        t.equal((await signAs(ta, ta.worker({ id: c.workerId }), c.id)).status, 200)
        t.equal((await getJob(job.id, hirer)).status, 'in_progress')
      }
    })

    t.test('two concurrent accepts of the same application: exactly one 201, the other 409', async (t) => {
      const { hirer, job, application } = await jobWithApplication(ta, { openings: 3 })
      const results = await Promise.all([
        accept(ta, hirer, application.id),
        accept(ta, hirer, application.id),
      ])
      t.same(results.map((r) => r.status).sort(), [201, 409])
      t.equal((await getJob(job.id, hirer)).hiredCount, 1)
      const list = await call(ta.app, 'GET', '/api/contracts?role=hirer', hirer)
      t.equal(list.body.items.length, 1, 'one contract only')
    })

    t.test(
      'before the others are rejected, accepting one of them gets PositionFilled and changes nothing',
      async (t) => {
        // No consumers: nothing rejects the others after the accept, so the window stays open.
        const quiet = await buildTestApp({ outboxIntervalMs: 5000, skipSubscriptions: true })
        t.teardown(() => quiet.close())
        const { hirer, job, application } = await jobWithApplication(quiet)
        const other = quiet.worker()
        const second = await apply(quiet.app, other, job.id)
        t.equal((await accept(quiet, hirer, application.id)).status, 201)
        const read = async (id: string) =>
          (await call(quiet.app, 'GET', `/api/applications/${id}`, hirer)).body
        t.equal((await read(second.id)).status, 'pending', 'not rejected yet')
        const racing = await accept(quiet, hirer, second.id)
        t.equal(racing.status, 409)
        t.equal(racing.body.code, 'JOB_ERR_POSITION_FILLED')
        t.match(await read(second.id), { status: 'pending', version: second.version })
        t.match((await call(quiet.app, 'GET', `/api/jobs/${job.id}`, hirer)).body, {
          status: 'open',
          hiredCount: 1,
        })
        const list = await call(quiet.app, 'GET', '/api/contracts?role=hirer', hirer)
        t.equal(list.body.items.length, 1, 'the racing accept left no contract')
      },
    )

    t.test(
      'two concurrent accepts of different applications of a single-hire job: one 201, one 409, nothing half-done',
      async (t) => {
        const { hirer, job, application } = await jobWithApplication(ta)
        const other = ta.worker()
        const second = await apply(ta.app, other, job.id)
        const results = await Promise.all([accept(ta, hirer, application.id), accept(ta, hirer, second.id)])
        t.same(results.map((r) => r.status).sort(), [201, 409])
        const loser = results.find((r) => r.status === 409)!
        t.equal(loser.body.code, 'JOB_ERR_POSITION_FILLED')
        const won = results.find((r) => r.status === 201)!.body.contract
        const lost = won.applicationId === application.id ? second.id : application.id
        t.equal((await getApplication(won.applicationId, hirer)).status, 'accepted')
        t.match(await rejectedSoon(lost, hirer), { rejectionReason: 'position_filled' })
        const j = await getJob(job.id, hirer)
        t.equal(j.hiredCount, 1)
        const list = await call(ta.app, 'GET', '/api/contracts?role=hirer', hirer)
        t.equal(list.body.items.length, 1, 'the loser left no contract behind')
      },
    )
  })
})
