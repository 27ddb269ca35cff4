import t from 'tap'
import { call, eventually, newUser, online, publish, startCluster } from '../fixtures/app.js'

const money = (amountMinor: number) => ({ amountMinor, currency: 'GHS' })

t.test('events in: conversations, system messages, notifications', async (t) => {
  const c = await startCluster(t)
  const app = c.app
  const inst = c.instances[0]!

  const contract = (hirerId: string, workerId: string, jobId: string, contractId = `contract-${jobId}`) => ({
    contractId,
    jobId,
    applicationId: `app-${jobId}`,
    hirerId,
    workerId,
    title: 'Fix the roof',
    total: money(50_000),
    milestones: [{ milestoneId: 'm1', title: 'Half', amount: money(25_000) }],
  })

  t.test('ApplicationSubmitted opens the job conversation and notifies the hirer live', async (t) => {
    const [hirer, worker] = [await newUser(c, 'hirer'), await newUser(c)]
    const sh = await online(t, inst, hirer)
    const event = await publish(app, 'ApplicationSubmitted', {
      applicationId: 'a1',
      jobId: 'job-1',
      jobTitle: 'Fix the roof',
      hirerId: hirer.id,
      workerId: worker.id,
      bid: money(40_000),
    })
    const live = await sh.next('notification')
    t.match(live.notification, {
      id: `${event.id}:${hirer.id}`,
      kind: 'application_received',
      read: false,
      data: { jobId: 'job-1', applicationId: 'a1' },
    })
    const list = await eventually(async () => {
      const r = await call(app, 'GET', '/api/chat/conversations', worker)
      return r.body.items.length === 1 ? r.body : undefined
    })
    t.match(list.items[0], { otherParticipantId: hirer.id, jobId: 'job-1' })
    // Redelivery of the same event (a second copy on the bus) changes nothing.
    await app.bus.publish(event)
    await new Promise((r) => setTimeout(r, 300))
    t.equal((await call(app, 'GET', '/api/notifications', hirer)).body.items.length, 1)
    t.equal((await call(app, 'GET', '/api/chat/conversations', worker)).body.items.length, 1)
  })

  t.test(
    "ContractSigned and payment events write system messages into the parties' job conversation",
    async (t) => {
      const [hirer, worker] = [await newUser(c, 'hirer'), await newUser(c)]
      const sw = await online(t, inst, worker)
      const k = contract(hirer.id, worker.id, 'job-2')
      await publish(app, 'ContractSigned', k)
      const signed = await sw.next(
        (f) => f.type === 'new_message' && (f.message as { type: string }).type === 'system',
      )
      t.match(signed.message, { type: 'system', kind: 'contract_signed', senderId: 'system' })
      t.match((await sw.next('notification')).notification, { kind: 'contract_signed' })
      await publish(
        app,
        'EscrowFunded',
        { contractId: k.contractId, milestoneId: 'm1', hirerId: hirer.id, amount: money(25_000) },
        'payment',
      )
      await publish(
        app,
        'PaymentReleased',
        {
          contractId: k.contractId,
          milestoneId: 'm1',
          workerId: worker.id,
          amount: money(24_000),
          platformFee: money(1_000),
        },
        'payment',
      )
      await publish(
        app,
        'DisputeRaised',
        { disputeId: 'd1', contractId: k.contractId, milestoneId: 'm1', raisedBy: hirer.id, reason: 'late' },
        'payment',
      )
      await publish(app, 'JobUpdated', {
        jobId: 'job-2',
        hirerId: hirer.id,
        status: 'in_progress',
        changed: ['status'],
      })
      const kinds = await eventually(async () => {
        const r = await call(
          app,
          'GET',
          `/api/chat/conversations/${String(signed.conversationId)}/messages`,
          hirer,
        )
        return r.body.items.length >= 5 ? r.body.items.map((m: { kind: string }) => m.kind).sort() : undefined
      }, 8_000)
      t.same(kinds, [
        'contract_signed',
        'dispute_raised',
        'job_update',
        'milestone_funded',
        'payment_released',
      ])
      const unread = await call(app, 'GET', '/api/chat/unread-count', hirer)
      t.equal(unread.body.total, 0, 'system messages are not unread messages')
    },
  )

  t.test(
    'GET /api/notifications: unread first then newest; read one, read all; preferences switch kinds off',
    async (t) => {
      const [hirer, worker] = [await newUser(c, 'hirer'), await newUser(c)]
      for (let i = 1; i <= 3; i++) {
        await publish(app, 'MilestoneSubmitted', {
          contractId: 'k',
          milestoneId: `m${i}`,
          jobId: 'j',
          hirerId: hirer.id,
          workerId: worker.id,
          title: `M${i}`,
        })
      }
      const all = await eventually(async () => {
        const r = await call(app, 'GET', '/api/notifications', hirer)
        return r.body.items.length === 3 ? r.body.items : undefined
      })
      const oldest = all[2]
      const read = await call(app, 'POST', `/api/notifications/${encodeURIComponent(oldest.id)}/read`, hirer)
      t.match(read.body, { id: oldest.id, read: true, readAt: String })
      const page1 = await call(app, 'GET', '/api/notifications?limit=2', hirer)
      t.same(
        page1.body.items.map((n: { read: boolean }) => n.read),
        [false, false],
      )
      const page2 = await call(
        app,
        'GET',
        `/api/notifications?limit=2&cursor=${page1.body.nextCursor}`,
        hirer,
      )
      t.same(
        page2.body.items.map((n: { id: string }) => n.id),
        [oldest.id],
        'the read one comes last',
      )
      t.equal(
        (await call(app, 'POST', `/api/notifications/${encodeURIComponent(oldest.id)}/read`, worker)).status,
        404,
        "not someone else's",
      )
      t.same((await call(app, 'POST', '/api/notifications/read-all', hirer)).body, { updated: 2 })
      t.same((await call(app, 'GET', '/api/notifications/unread-count', hirer)).body, { unread: 0 })

      const prefs = await call(app, 'PUT', '/api/notifications/preferences', worker, {
        inApp: { milestone_approved: false },
      })
      t.match(prefs.body.inApp, { milestone_approved: false, contract_signed: true })
      t.same((await call(app, 'GET', '/api/notifications/preferences', worker)).body, prefs.body)
      await publish(app, 'MilestoneApproved', {
        contractId: 'k',
        milestoneId: 'm1',
        jobId: 'j',
        hirerId: hirer.id,
        workerId: worker.id,
        title: 'M1',
        amount: money(1),
      })
      await publish(app, 'ApplicationAccepted', {
        applicationId: 'a',
        jobId: 'j',
        jobTitle: 'J',
        hirerId: hirer.id,
        workerId: worker.id,
        contractId: 'k',
      })
      const items = await eventually(async () => {
        const r = await call(app, 'GET', '/api/notifications', worker)
        return r.body.items.length > 0 ? r.body.items : undefined
      })
      await new Promise((r) => setTimeout(r, 300))
      t.same(
        (await call(app, 'GET', '/api/notifications', worker)).body.items.map(
          (n: { kind: string }) => n.kind,
        ),
        ['application_accepted'],
        'the switched-off kind was not stored',
      )
      t.ok(items)
    },
  )

  t.test('the hello frame carries pending notifications to a user coming back', async (t) => {
    const [hirer, worker] = [await newUser(c, 'hirer'), await newUser(c)]
    await publish(app, 'ApplicationSubmitted', {
      applicationId: 'a9',
      jobId: 'job-9',
      jobTitle: 'Paint',
      hirerId: hirer.id,
      workerId: worker.id,
      bid: money(1),
    })
    await eventually(
      async () => (await call(app, 'GET', '/api/notifications/unread-count', hirer)).body.unread === 1,
    )
    const sh = await online(t, inst, hirer)
    const hello = sh.frames.find((f) => f.type === 'hello')!
    t.equal(hello.unreadNotifications, 1)
    t.match(hello.notifications, [{ kind: 'application_received' }])
  })
})
