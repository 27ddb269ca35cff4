import t from 'tap'
import { call, conversation, newUser, online, startCluster } from '../fixtures/app.js'

t.test('blocks, reports, rate limit, edit and delete', async (t) => {
  const c = await startCluster(t, { env: { MESSAGE_RATE_MAX: '5', MESSAGE_RATE_WINDOW_S: '60' } })
  const app = c.app
  const inst = c.instances[0]!

  t.test('POST/DELETE /api/chat/blocks/:userId', async (t) => {
    t.test(
      'a blocked user cannot message the blocker (REST 403, socket error frame) until unblocked',
      async (t) => {
        const [blocker, pest] = [await newUser(c), await newUser(c)]
        const id = await conversation(app, pest, blocker)
        t.equal((await call(app, 'POST', `/api/chat/blocks/${pest.id}`, blocker)).status, 201)
        t.equal(
          (await call(app, 'POST', `/api/chat/blocks/${pest.id}`, blocker)).status,
          200,
          'blocking again is idempotent',
        )
        t.same((await call(app, 'GET', '/api/chat/blocks', blocker)).body, { items: [{ userId: pest.id }] })
        const rest = await call(app, 'POST', `/api/chat/conversations/${id}/messages`, pest, {
          content: 'hey',
        })
        t.equal(rest.status, 403)
        t.equal(rest.body.code, 'MSG_ERR_BLOCKED')
        const sp = await online(t, inst, pest)
        const sb = await online(t, inst, blocker)
        sp.send({ type: 'chat', recipientId: blocker.id, message: 'hey' })
        t.match(await sp.next('error'), { reason: 'blocked', ref: 'chat' })
        sp.send({ type: 'call_invite', conversationId: id, media: 'audio' })
        t.match(await sp.next('error'), { reason: 'blocked', ref: 'call_invite' })
        sp.send({ type: 'typing_start', conversationId: id })
        t.ok(
          await sb.none(
            (f) => f.type === 'new_message' || f.type === 'user_typing' || f.type === 'call_invite',
            200,
          ),
          'the blocker sees nothing',
        )
        t.equal(
          (
            await call(app, 'POST', `/api/chat/conversations/${id}/messages`, blocker, {
              content: 'I can still write',
            })
          ).status,
          201,
        )
        t.equal((await call(app, 'DELETE', `/api/chat/blocks/${pest.id}`, blocker)).status, 204)
        t.equal(
          (await call(app, 'POST', `/api/chat/conversations/${id}/messages`, pest, { content: 'sorry' }))
            .status,
          201,
        )
      },
    )

    t.test('refuses blocking oneself', async (t) => {
      const u = await newUser(c)
      const res = await call(app, 'POST', `/api/chat/blocks/${u.id}`, u)
      t.equal(res.status, 400)
      t.equal(res.body.errors[0].field, 'userId')
    })
  })

  t.test('POST /api/chat/reports keeps reports of users and of visible messages', async (t) => {
    const [a, b, stranger] = [await newUser(c), await newUser(c), await newUser(c)]
    const id = await conversation(app, a, b)
    const msg = await call(app, 'POST', `/api/chat/conversations/${id}/messages`, b, {
      content: 'buy crypto now',
    })
    const byMessage = await call(app, 'POST', '/api/chat/reports', a, {
      messageId: msg.body.id,
      reason: 'scam',
    })
    t.equal(byMessage.status, 201)
    t.match(byMessage.body, { userId: b.id, messageId: msg.body.id, reason: 'scam', status: 'open' })
    const byUser = await call(app, 'POST', '/api/chat/reports', a, {
      userId: stranger.id,
      reason: 'spam',
      details: 'keeps inviting me',
    })
    t.equal(byUser.status, 201)
    t.equal(
      (await call(app, 'POST', '/api/chat/reports', stranger, { messageId: msg.body.id, reason: 'scam' }))
        .status,
      404,
      'only messages one can see',
    )
    t.equal((await call(app, 'POST', '/api/chat/reports', a, { reason: 'spam' })).status, 400)
    t.equal((await call(app, 'POST', '/api/chat/reports', a, { userId: a.id, reason: 'spam' })).status, 400)
    t.equal(await app.mongo.collection('reports').countDocuments({ reporterId: a.id }), 2)
  })

  t.test(
    'the per-user message rate limit answers 429 with Retry-After, and rate_limited on the socket; a retried clientId counts once and is answered even over it',
    async (t) => {
      const [a, b] = [await newUser(c), await newUser(c)]
      const id = await conversation(app, a, b)
      const path = `/api/chat/conversations/${id}/messages`
      const first = await call(app, 'POST', path, a, { content: '0', clientId: 'retried' })
      t.equal(first.status, 201)
      for (let i = 0; i < 3; i++)
        t.match(await call(app, 'POST', path, a, { content: '0', clientId: 'retried' }), {
          status: 200,
          body: { id: first.body.id },
        })
      for (let i = 1; i < 4; i++) t.equal((await call(app, 'POST', path, a, { content: `${i}` })).status, 201)
      const sa = await online(t, inst, a)
      sa.send({ type: 'send_message', conversationId: id, content: 'fifth' })
      await sa.next('message_delivered')
      sa.send({ type: 'send_message', conversationId: id, content: 'sixth' })
      t.match(await sa.next('error'), { reason: 'rate_limited', retryAfter: Number })
      const res = await call(app, 'POST', `/api/chat/conversations/${id}/messages`, a, { content: 'seventh' })
      t.equal(res.status, 429)
      t.ok(Number(res.headers['retry-after']) > 0)
      t.match(await call(app, 'POST', path, a, { content: '0', clientId: 'retried' }), {
        status: 200,
        body: { id: first.body.id },
      })
      t.equal(
        (
          await call(app, 'POST', `/api/chat/conversations/${id}/messages`, b, {
            content: 'b is not limited',
          })
        ).status,
        201,
      )
    },
  )

  t.test('PATCH/DELETE /api/chat/messages/:id', async (t) => {
    t.test('the sender edits and deletes for everyone; both sides get live updates', async (t) => {
      const [a, b] = [await newUser(c), await newUser(c)]
      const id = await conversation(app, a, b)
      const sb = await online(t, inst, b)
      const msg = await call(app, 'POST', `/api/chat/conversations/${id}/messages`, a, { content: 'helo' })
      const edited = await call(app, 'PATCH', `/api/chat/messages/${msg.body.id}`, a, { content: 'hello' })
      t.equal(edited.status, 200)
      t.match(edited.body, { content: 'hello', editedAt: String })
      t.match((await sb.next('message_updated')).message, { id: msg.body.id, content: 'hello' })
      t.equal((await call(app, 'DELETE', `/api/chat/messages/${msg.body.id}`, a)).status, 204)
      t.match(await sb.next('message_deleted'), { messageId: msg.body.id, conversationId: id })
      const history = await call(app, 'GET', `/api/chat/conversations/${id}/messages`, b)
      t.match(history.body.items[0], { id: msg.body.id, deleted: true, content: '' })
      const again = await call(app, 'PATCH', `/api/chat/messages/${msg.body.id}`, a, { content: 'back' })
      t.equal(again.status, 409)
    })

    t.test('only the sender may change a message; strangers get 404', async (t) => {
      const [a, b, stranger] = [await newUser(c), await newUser(c), await newUser(c)]
      const id = await conversation(app, a, b)
      const msg = await call(app, 'POST', `/api/chat/conversations/${id}/messages`, a, { content: 'mine' })
      t.equal(
        (await call(app, 'PATCH', `/api/chat/messages/${msg.body.id}`, b, { content: 'yours?' })).status,
        403,
      )
      t.equal((await call(app, 'DELETE', `/api/chat/messages/${msg.body.id}`, b)).status, 403)
      t.equal(
        (await call(app, 'PATCH', `/api/chat/messages/${msg.body.id}`, stranger, { content: 'x' })).status,
        404,
      )
      t.equal((await call(app, 'DELETE', '/api/chat/messages/000000000000000000000000', a)).status, 404)
    })
  })
})
