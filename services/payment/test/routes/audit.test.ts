/**
 * The admins' audit log of the payment service against real FerretDB, RabbitMQ and stripe-mock:
 * a dispute resolution is one entry (who, what, which dispute, why, which request) readable at
 * `GET /api/payments/admin/audit` by admins only; repeating the resolution records nothing more;
 * a repeat after a crash that lost the entry records it. Also the queue's admin path.
 */
import t from 'tap'
import { buildTestApp, call, fundedMilestone, signedContract, type Actor } from '../fixtures/app.js'

const ta = await buildTestApp()
t.teardown(() => ta.close())

interface Entry {
  id: string
  actorId: string
  action: string
  target: { type: string; id: string }
  reason: string
  at: string
  requestId: string
}

/** A funded milestone of a fresh contract with an open dispute raised by its hirer. */
async function disputed(amountMinor: number) {
  const c = await signedContract(ta, { amounts: [amountMinor] })
  await fundedMilestone(ta, c)
  const res = await call(ta.app, 'POST', '/api/payments/disputes', c.hirer, {
    contractId: c.contractId,
    milestoneId: c.milestones[0]!.milestoneId,
    reason: 'The work was not delivered',
  })
  if (res.status !== 201) throw new Error(`raise failed: ${res.status} ${JSON.stringify(res.body)}`)
  return { c, disputeId: res.body.dispute.id as string }
}

const resolve = (actor: Actor, id: string, body: Record<string, unknown>) =>
  call(ta.app, 'POST', `/api/payments/disputes/${id}/resolve`, actor, body)

/** The audit entries about dispute `id`, as `actor` reads them (the first 100, newest first). */
async function entriesAbout(actor: Actor, id: string): Promise<Entry[]> {
  const res = await call(ta.app, 'GET', '/api/payments/admin/audit?limit=100', actor)
  if (res.status !== 200) throw new Error(`audit: ${res.status} ${JSON.stringify(res.body)}`)
  return (res.body.items as Entry[]).filter((e) => e.target.id === id)
}

t.test('GET /api/payments/admin/audit', async (t) => {
  t.test('a resolution is one entry naming the admin, the dispute, the note and the request', async (t) => {
    const { disputeId } = await disputed(5_000)
    const admin = ta.admin()
    const res = await resolve(admin, disputeId, { outcome: 'release', note: 'delivery confirmed by photos' })
    t.equal(res.status, 200, JSON.stringify(res.body))

    const reader = ta.admin()
    const [entry, ...more] = await entriesAbout(reader, disputeId)
    t.same(more, [], 'one entry')
    t.match(entry, {
      id: `dispute.resolve:${disputeId}`,
      actorId: admin.id,
      action: 'dispute.resolve',
      target: { type: 'dispute', id: disputeId },
      reason: 'delivery confirmed by photos',
      requestId: res.headers['x-request-id'],
    })
    t.equal(entry!.at, res.body.dispute.resolvedAt, 'the time of the resolution')

    // The same resolution again, by another admin: 200 and still one entry, the first admin's.
    const again = await resolve(ta.admin(), disputeId, { outcome: 'release', note: 'again' })
    t.equal(again.status, 200)
    t.same(await entriesAbout(reader, disputeId), [entry], 'the retry records nothing')
    // Another outcome is refused and leaves the log alone.
    t.equal((await resolve(admin, disputeId, { outcome: 'refund' })).status, 409)
    t.same(await entriesAbout(reader, disputeId), [entry])
  })

  t.test('without a note the reason says so and what was decided', async (t) => {
    const { disputeId } = await disputed(10_000)
    const admin = ta.admin()
    const res = await resolve(admin, disputeId, { outcome: 'split', workerAmountMinor: 4_000 })
    t.equal(res.status, 200, JSON.stringify(res.body))
    t.match(await entriesAbout(admin, disputeId), [
      {
        actorId: admin.id,
        action: 'dispute.resolve',
        reason: '(no note given; resolved as split (worker 4000, refund 6000 USD minor units))',
      },
    ])
  })

  t.test('a repeat after a crash that lost the entry records it, as the first admin', async (t) => {
    const { disputeId } = await disputed(3_000)
    const admin = ta.admin()
    t.equal((await resolve(admin, disputeId, { outcome: 'refund', note: 'never started' })).status, 200)
    // The crash: the dispute was written, its entry was not. (Only a test reaches past the
    // append-only model, through the raw collection.)
    await ta.app.mongo.collection('audit_log').deleteOne({ _id: `dispute.resolve:${disputeId}` } as never)
    t.same(await entriesAbout(admin, disputeId), [])

    const retry = await resolve(ta.admin(), disputeId, { outcome: 'refund' })
    t.equal(retry.status, 200)
    t.match(await entriesAbout(admin, disputeId), [
      { actorId: admin.id, reason: 'never started', at: retry.body.dispute.resolvedAt },
    ])
  })

  t.test('refuses every role but admin, and anonymous callers', async (t) => {
    for (const actor of [ta.hirer(), ta.worker()]) {
      const res = await call(ta.app, 'GET', '/api/payments/admin/audit', actor)
      t.equal(res.status, 403, actor.role)
      t.equal(res.body.code, 'KIT_ERR_FORBIDDEN')
      t.match(res.headers['content-type'], /application\/problem\+json/)
    }
    t.equal((await call(ta.app, 'GET', '/api/payments/admin/audit', null)).status, 401)
    const badCursor = await call(ta.app, 'GET', '/api/payments/admin/audit?cursor=nope', ta.admin())
    t.equal(badCursor.status, 400)
    t.match(badCursor.body.errors, [{ field: 'cursor' }])
  })
})

t.test('GET /api/payments/admin/disputes is the admins’ queue too', async (t) => {
  const { c, disputeId } = await disputed(2_000)
  const queue = await call(ta.app, 'GET', '/api/payments/admin/disputes?status=open&limit=100', ta.admin())
  t.equal(queue.status, 200)
  t.ok(
    queue.body.items.some((d: { id: string }) => d.id === disputeId),
    'the open dispute is listed',
  )
  t.equal((await call(ta.app, 'GET', '/api/payments/admin/disputes', c.hirer)).status, 403)
})
