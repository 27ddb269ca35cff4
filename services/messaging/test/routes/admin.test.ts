import t from 'tap'
import { call, conversation, newUser, online, startCluster, type User } from '../fixtures/app.js'

t.test('the admins’ report queue and audit log', async (t) => {
  const c = await startCluster(t, { count: 2 })
  const app = c.app
  const [inst, other] = [c.instances[0]!, c.instances[1]!]
  const admin: User = { id: 'admin-1', token: c.kit.sign({ sub: 'admin-1', role: 'admin' }) }
  const admin2: User = { id: 'admin-2', token: c.kit.sign({ sub: 'admin-2', role: 'admin' }) }

  /** A conversation of two new users with one message from `b`, reported by `a`. */
  async function reportedMessage(content = 'send me your card number') {
    const [a, b] = [await newUser(c), await newUser(c)]
    const conv = await conversation(app, a, b)
    const msg = await call(app, 'POST', `/api/chat/conversations/${conv}/messages`, b, { content })
    const report = await call(app, 'POST', '/api/chat/reports', a, { messageId: msg.body.id, reason: 'scam' })
    t.equal(report.status, 201)
    return { a, b, conv, messageId: msg.body.id as string, reportId: report.body.id as string }
  }

  t.test('GET /api/chat/admin/reports', async (t) => {
    t.test('lists open reports of messages and users, oldest first, in cursor pages', async (t) => {
      const first = await reportedMessage('first')
      const [x, y] = [await newUser(c), await newUser(c)]
      const byUser = await call(app, 'POST', '/api/chat/reports', x, {
        userId: y.id,
        reason: 'harassment',
        details: 'insults in my profile',
      })
      const mine = new Set([first.reportId, byUser.body.id])
      const seen: Array<Record<string, unknown>> = []
      let cursor: string | null = null
      let pages = 0
      do {
        const page = await call(
          app,
          'GET',
          `/api/chat/admin/reports?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
          admin,
        )
        t.equal(page.status, 200)
        t.ok(page.body.items.length <= 1)
        seen.push(...page.body.items)
        cursor = page.body.nextCursor
        pages++
      } while (cursor && pages < 50)
      const ours = seen.filter((r) => mine.has(r.id as string))
      t.same(
        ours.map((r) => r.id),
        [first.reportId, byUser.body.id],
        'both kinds, oldest first',
      )
      t.match(ours[0], {
        status: 'open',
        userId: first.b.id,
        reporterId: first.a.id,
        messageId: first.messageId,
        conversationId: first.conv,
        snapshot: { id: first.messageId, content: 'first', senderId: first.b.id },
        closure: null,
      })
      t.match(ours[1], { userId: y.id, messageId: null, snapshot: null, details: 'insults in my profile' })
      const newest = await call(app, 'GET', '/api/chat/admin/reports?order=newest&limit=100', admin)
      const order = newest.body.items.map((r: { id: string }) => r.id).filter((id: string) => mine.has(id))
      t.same(order, [byUser.body.id, first.reportId], 'order=newest reverses it')
    })

    t.test('refuses non-admins (403) and callers without a token (401)', async (t) => {
      const worker = await newUser(c)
      const hirer = await newUser(c, 'hirer')
      for (const u of [worker, hirer]) {
        const res = await call(app, 'GET', '/api/chat/admin/reports', u)
        t.equal(res.status, 403)
        t.equal(res.headers['content-type'], 'application/problem+json')
        t.equal(res.body.code, 'KIT_ERR_FORBIDDEN')
      }
      const { reportId } = await reportedMessage()
      const nonAdmin = await call(app, 'POST', `/api/chat/admin/reports/${reportId}/resolve`, worker, {
        reason: 'x',
      })
      t.equal(nonAdmin.status, 403, 'a non-admin cannot resolve')
      t.equal(
        (await call(app, 'POST', `/api/chat/admin/reports/${reportId}/dismiss`, worker, { bogus: 1 })).status,
        403,
        'and learns nothing about the body rules',
      )
      t.equal((await call(app, 'GET', '/api/chat/admin/audit', worker)).status, 403)
      t.equal((await call(app, 'GET', '/api/chat/admin/reports')).status, 401)
      t.equal((await call(app, 'GET', `/api/chat/admin/reports/${reportId}`, admin)).body.status, 'open')
    })

    t.test('answers a bad status or cursor with 400 naming the field', async (t) => {
      const status = await call(app, 'GET', '/api/chat/admin/reports?status=reviewed', admin)
      t.equal(status.status, 400)
      t.equal(status.body.errors[0].field, 'status')
      const cursor = await call(app, 'GET', '/api/chat/admin/reports?cursor=nonsense', admin)
      t.equal(cursor.status, 400)
      t.equal(cursor.body.errors[0].field, 'cursor')
    })
  })

  t.test('GET /api/chat/admin/reports/:id', async (t) => {
    t.test('shows the message as reported after the sender edited it, and as it is now', async (t) => {
      const r = await reportedMessage('you will regret this')
      await call(app, 'PATCH', `/api/chat/messages/${r.messageId}`, r.b, { content: 'hello!' })
      const edited = await call(app, 'GET', `/api/chat/admin/reports/${r.reportId}`, admin)
      t.equal(edited.status, 200)
      t.equal(edited.body.snapshot.content, 'you will regret this')
      t.equal(edited.body.currentMessage.content, 'hello!')
      t.ok(edited.body.currentMessage.editedAt)
      await call(app, 'DELETE', `/api/chat/messages/${r.messageId}`, r.b)
      const deleted = await call(app, 'GET', `/api/chat/admin/reports/${r.reportId}`, admin)
      t.equal(deleted.body.snapshot.content, 'you will regret this', 'kept after a delete')
      t.match(deleted.body.currentMessage, { deleted: true, content: '' })
    })

    t.test('404 for an unknown report', async (t) => {
      const res = await call(app, 'GET', '/api/chat/admin/reports/0123456789abcdef01234567', admin)
      t.equal(res.status, 404)
      t.equal(res.body.code, 'MSG_ERR_REPORT_NOT_FOUND')
    })
  })

  t.test('POST /api/chat/admin/reports/:id/resolve and /dismiss', async (t) => {
    t.test(
      'resolving with remove_message removes the message for everyone, once; a second close is 409',
      async (t) => {
        const r = await reportedMessage('buy followers at scam.example')
        const sa = await online(t, inst, r.a)
        const sb = await online(t, other, r.b)
        const res = await call(app, 'POST', `/api/chat/admin/reports/${r.reportId}/resolve`, admin, {
          reason: '  fraud link  ',
          action: 'remove_message',
        })
        t.equal(res.status, 200)
        t.match(res.body.report, {
          id: r.reportId,
          status: 'resolved',
          closure: { status: 'resolved', by: admin.id, reason: 'fraud link', action: 'remove_message' },
        })
        for (const s of [sa, sb])
          t.match(await s.next('message_deleted'), { messageId: r.messageId, removed: true })
        const history = await call(app, 'GET', `/api/chat/conversations/${r.conv}/messages`, r.a)
        t.match(history.body.items[0], { id: r.messageId, content: '', deleted: true, removed: true })
        const list = await call(app, 'GET', '/api/chat/conversations', r.a)
        const convView = list.body.items.find((x: { id: string }) => x.id === r.conv)
        t.equal(convView.lastMessage.preview, '', 'the list preview no longer shows it')
        t.equal(
          (await call(app, 'PATCH', `/api/chat/messages/${r.messageId}`, r.b, { content: 'again' })).status,
          409,
          'the sender cannot bring it back',
        )

        const again = await call(app, 'POST', `/api/chat/admin/reports/${r.reportId}/resolve`, admin, {
          reason: 'again',
          action: 'remove_message',
        })
        t.equal(again.status, 409)
        t.equal(again.body.code, 'MSG_ERR_REPORT_CLOSED')
        const dismiss = await call(app, 'POST', `/api/chat/admin/reports/${r.reportId}/dismiss`, admin2, {
          reason: 'changed my mind',
        })
        t.equal(dismiss.status, 409, 'another admin cannot reopen it by dismissing')
        const detail = await call(app, 'GET', `/api/chat/admin/reports/${r.reportId}`, admin)
        t.equal(detail.body.snapshot.content, 'buy followers at scam.example', 'the admin still sees it')
        t.match(detail.body.currentMessage, { removed: true, content: '' })

        const audit = await call(app, 'GET', '/api/chat/admin/audit?limit=100', admin)
        t.equal(audit.status, 200)
        const entries = audit.body.items.filter(
          (e: { target: { id: string } }) => e.target.id === r.reportId || e.target.id === r.messageId,
        )
        t.same(entries.map((e: { action: string }) => e.action).sort(), ['message.remove', 'report.resolve'])
        t.match(
          entries.find((e: { action: string }) => e.action === 'report.resolve'),
          {
            id: `report.resolve:${r.reportId}`,
            actorId: admin.id,
            reason: 'fraud link',
            target: { type: 'report', id: r.reportId },
            requestId: res.headers['x-request-id'],
          },
        )
        t.match(
          entries.find((e: { action: string }) => e.action === 'message.remove'),
          {
            target: { type: 'message', id: r.messageId },
          },
        )
      },
    )

    t.test('an attachment whose message was removed is no longer served', async (t) => {
      const [a, b] = [await newUser(c), await newUser(c)]
      const conv = await conversation(app, a, b)
      const up = await app.inject({
        method: 'POST',
        url: `/api/chat/conversations/${conv}/attachments?filename=x.png`,
        headers: { authorization: `Bearer ${b.token}`, 'content-type': 'image/png' },
        payload: Buffer.from('not really a png'),
      })
      t.equal(up.statusCode, 201)
      const msg = up.json<{ id: string; attachment: { id: string } }>()
      const report = await call(app, 'POST', '/api/chat/reports', a, {
        messageId: msg.id,
        reason: 'inappropriate',
      })
      t.equal((await call(app, 'GET', `/api/chat/attachments/${msg.attachment.id}`, a)).status, 200)
      const res = await call(app, 'POST', `/api/chat/admin/reports/${report.body.id}/resolve`, admin, {
        reason: 'explicit image',
        action: 'remove_message',
      })
      t.equal(res.status, 200)
      const download = await call(app, 'GET', `/api/chat/attachments/${msg.attachment.id}`, a)
      t.equal(download.status, 404)
      const detail = await call(app, 'GET', `/api/chat/admin/reports/${report.body.id}`, admin)
      t.equal(detail.body.snapshot.attachment.id, msg.attachment.id, 'the admin still sees which file')
    })

    t.test('dismissing closes the report and leaves the message alone', async (t) => {
      const r = await reportedMessage('a perfectly fine message')
      const res = await call(app, 'POST', `/api/chat/admin/reports/${r.reportId}/dismiss`, admin, {
        reason: 'not abusive',
      })
      t.equal(res.status, 200)
      t.match(res.body.report, { status: 'dismissed', closure: { by: admin.id, action: 'none' } })
      const history = await call(app, 'GET', `/api/chat/conversations/${r.conv}/messages`, r.a)
      t.match(history.body.items[0], { content: 'a perfectly fine message', deleted: false, removed: false })
      const dismissed = await call(app, 'GET', '/api/chat/admin/reports?status=dismissed&limit=100', admin)
      t.ok(
        dismissed.body.items.some((x: { id: string }) => x.id === r.reportId),
        'listed as dismissed',
      )
      const open = await call(app, 'GET', '/api/chat/admin/reports?limit=100', admin)
      t.notOk(
        open.body.items.some((x: { id: string }) => x.id === r.reportId),
        'no longer open',
      )
      const again = await call(app, 'POST', `/api/chat/admin/reports/${r.reportId}/resolve`, admin, {
        reason: 'x',
      })
      t.equal(again.status, 409)
      t.equal(again.body.code, 'MSG_ERR_REPORT_CLOSED')
      const audit = await call(app, 'GET', '/api/chat/admin/audit?limit=100', admin)
      t.match(
        audit.body.items.filter((e: { target: { id: string } }) => e.target.id === r.reportId),
        [{ id: `report.dismiss:${r.reportId}`, action: 'report.dismiss', reason: 'not abusive' }],
        'one entry',
      )
    })

    t.test('two admins closing the same report at once on two instances: exactly one wins', async (t) => {
      const rounds = 3
      for (let i = 0; i < rounds; i++) {
        const r = await reportedMessage(`race ${i}`)
        const inject = (instApp: typeof app, u: User, verb: string) =>
          instApp.inject({
            method: 'POST',
            url: `/api/chat/admin/reports/${r.reportId}/${verb}`,
            headers: { authorization: `Bearer ${u.token}` },
            payload: { reason: `${verb} by ${u.id}` },
          })
        const answers = await Promise.all([
          inject(inst.app, admin, 'resolve'),
          inject(other.app, admin2, 'dismiss'),
          inject(inst.app, admin2, 'resolve'),
          inject(other.app, admin, 'dismiss'),
        ])
        const codes = answers.map((a) => a.statusCode).sort()
        t.same(codes, [200, 409, 409, 409], `round ${i}: one winner`)
        const winner = answers.find((a) => a.statusCode === 200)!.json<{ report: { status: string } }>()
        const stored = await call(app, 'GET', `/api/chat/admin/reports/${r.reportId}`, admin)
        t.equal(stored.body.status, winner.report.status, 'the stored state is the winner’s')
        const audit = await call(app, 'GET', '/api/chat/admin/audit?limit=100', admin)
        t.equal(
          audit.body.items.filter((e: { target: { id: string } }) => e.target.id === r.reportId).length,
          1,
          'one audit entry',
        )
      }
    })

    t.test('refuses remove_message on a report of a user, a blank reason, an unknown action', async (t) => {
      const [x, y] = [await newUser(c), await newUser(c)]
      const report = await call(app, 'POST', '/api/chat/reports', x, { userId: y.id, reason: 'spam' })
      const url = `/api/chat/admin/reports/${report.body.id}/resolve`
      const noMessage = await call(app, 'POST', url, admin, { reason: 'x', action: 'remove_message' })
      t.equal(noMessage.status, 400)
      t.equal(noMessage.body.code, 'MSG_ERR_ACTION_NOT_APPLICABLE')
      t.equal(noMessage.body.errors[0].field, 'action')
      const blank = await call(app, 'POST', url, admin, { reason: '   ' })
      t.equal(blank.status, 400)
      t.equal(blank.body.errors[0].field, 'reason')
      const unknown = await call(app, 'POST', url, admin, { reason: 'x', action: 'ban_forever' })
      t.equal(unknown.status, 400)
      t.equal(unknown.body.errors[0].field, 'action')
      const dismissWithAction = await call(
        app,
        'POST',
        `/api/chat/admin/reports/${report.body.id}/dismiss`,
        admin,
        {
          reason: 'x',
          action: 'remove_message',
        },
      )
      t.equal(dismissWithAction.status, 400, 'dismiss takes no action')
      t.equal(dismissWithAction.body.code, 'MSG_ERR_ACTION_NOT_APPLICABLE')
      t.equal(dismissWithAction.body.errors[0].field, 'action')
      const unknownId = await call(
        app,
        'POST',
        '/api/chat/admin/reports/0123456789abcdef01234567/resolve',
        admin,
        {
          reason: 'x',
        },
      )
      t.equal(unknownId.status, 404)
      t.equal(unknownId.body.code, 'MSG_ERR_REPORT_NOT_FOUND')
      const ok = await call(app, 'POST', url, admin, { reason: 'warned the user' })
      t.equal(ok.status, 200, 'still open after the refusals, then resolved')
      t.match(ok.body.report.closure, { action: 'none' })
    })
  })
})
