import { eventProbe } from '@kelmah/testing'
import t from 'tap'
import { call, conversation, knownJob, newUser, seedMessages, startCluster } from '../fixtures/app.js'

t.test('conversations and messages over REST', async (t) => {
  const c = await startCluster(t)
  const app = c.app
  const probe = await eventProbe({ exchange: c.exchange, bindings: ['messaging.#'] })
  t.teardown(() => probe.close())

  t.test('POST /api/chat/conversations', async (t) => {
    t.test('creates the conversation (201), then returns the same one (200) from either side', async (t) => {
      const [a, b] = [await newUser(c), await newUser(c)]
      const first = await call(app, 'POST', '/api/chat/conversations', a, { participantId: b.id })
      t.equal(first.status, 201)
      t.match(first.body, {
        id: String,
        otherParticipantId: b.id,
        jobId: null,
        lastMessage: null,
        unreadCount: 0,
      })
      t.same(first.body.participantIds, [a.id, b.id].sort(), 'participants in canonical order')
      const again = await call(app, 'POST', '/api/chat/conversations', b, { participantId: a.id })
      t.equal(again.status, 200)
      t.equal(again.body.id, first.body.id)
      t.equal(again.body.otherParticipantId, a.id)
      const event = await probe.waitFor(
        (e) =>
          e.type === 'ConversationCreated' &&
          (e.data as { conversationId: string }).conversationId === first.body.id,
      )
      t.match(event.data, { participantIds: [a.id, b.id].sort(), jobId: null, createdBy: a.id })
    })

    t.test('keeps one conversation per (pair, job)', async (t) => {
      const [a, b] = [await newUser(c), await newUser(c)]
      await knownJob(c, 'job-1', a, b)
      const direct = await conversation(app, a, b)
      const job1 = await conversation(app, a, b, 'job-1')
      const job1again = await conversation(app, b, a, 'job-1')
      t.not(direct, job1)
      t.equal(job1, job1again)
    })

    t.test('creates exactly one conversation under concurrent requests', async (t) => {
      const [a, b] = [await newUser(c), await newUser(c)]
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          call(app, 'POST', '/api/chat/conversations', i % 2 ? a : b, { participantId: i % 2 ? b.id : a.id }),
        ),
      )
      t.equal(new Set(results.map((r) => r.body.id)).size, 1)
      t.equal(results.filter((r) => r.status === 201).length, 1, 'exactly one 201')
    })

    t.test('refuses a conversation with oneself (400 naming participantId) and needs a token', async (t) => {
      const a = await newUser(c)
      const self = await call(app, 'POST', '/api/chat/conversations', a, { participantId: a.id })
      t.equal(self.status, 400)
      t.equal(self.body.code, 'MSG_ERR_SELF_CONVERSATION')
      t.equal(self.body.errors[0].field, 'participantId')
      t.equal(
        (await call(app, 'POST', '/api/chat/conversations', undefined, { participantId: 'x' })).status,
        401,
      )
      const bad = await call(app, 'POST', '/api/chat/conversations', a, {})
      t.equal(bad.status, 400)
      t.equal(bad.body.errors[0].field, 'participantId')
    })
  })

  t.test('POST /api/chat/conversations/:id/messages', async (t) => {
    t.test('stores the text as sent and publishes MessageSent', async (t) => {
      const [a, b] = [await newUser(c), await newUser(c)]
      const id = await conversation(app, a, b)
      const content = '  Hello <b>world</b> 👋  '
      const res = await call(app, 'POST', `/api/chat/conversations/${id}/messages`, a, { content })
      t.equal(res.status, 201)
      t.match(res.body, {
        id: String,
        conversationId: id,
        senderId: a.id,
        content,
        type: 'text',
        createdAt: String,
        readAt: null,
      })
      const event = await probe.waitFor(
        (e) => e.type === 'MessageSent' && (e.data as { messageId: string }).messageId === res.body.id,
      )
      t.match(event.data, {
        conversationId: id,
        senderId: a.id,
        recipientId: b.id,
        type: 'text',
        preview: content,
      })
    })

    t.test('refuses empty and over-long text (400 naming content)', async (t) => {
      const [a, b] = [await newUser(c), await newUser(c)]
      const id = await conversation(app, a, b)
      const empty = await call(app, 'POST', `/api/chat/conversations/${id}/messages`, a, { content: '   ' })
      t.equal(empty.status, 400)
      t.equal(empty.body.errors[0].field, 'content')
      const long = await call(app, 'POST', `/api/chat/conversations/${id}/messages`, a, {
        content: 'x'.repeat(5001),
      })
      t.equal(long.status, 400)
      t.equal(long.body.code, 'MSG_ERR_BAD_CONTENT')
      t.equal(
        (await call(app, 'POST', `/api/chat/conversations/${id}/messages`, a, { content: 'x'.repeat(5000) }))
          .status,
        201,
        '5000 characters pass',
      )
    })

    t.test('returns the first message for a repeated clientId (200), storing it once', async (t) => {
      const [a, b] = [await newUser(c), await newUser(c)]
      const id = await conversation(app, a, b)
      const first = await call(app, 'POST', `/api/chat/conversations/${id}/messages`, a, {
        content: 'once',
        clientId: 'tmp-1',
      })
      const again = await call(app, 'POST', `/api/chat/conversations/${id}/messages`, a, {
        content: 'once',
        clientId: 'tmp-1',
      })
      t.equal(first.status, 201)
      t.equal(again.status, 200)
      t.equal(again.body.id, first.body.id)
      const history = await call(app, 'GET', `/api/chat/conversations/${id}/messages`, b)
      t.equal(history.body.items.length, 1)
    })

    t.test("answers 404 for a stranger's conversation and an unknown id", async (t) => {
      const [a, b, stranger] = [await newUser(c), await newUser(c), await newUser(c)]
      const id = await conversation(app, a, b)
      for (const [url, method] of [
        [`/api/chat/conversations/${id}/messages`, 'POST'],
        [`/api/chat/conversations/${id}/messages`, 'GET'],
        [`/api/chat/conversations/${id}`, 'GET'],
        ['/api/chat/conversations/000000000000000000000000/messages', 'GET'],
        ['/api/chat/conversations/not-an-id/messages', 'GET'],
      ] as const) {
        const res = await call(app, method, url, stranger, method === 'POST' ? { content: 'hi' } : undefined)
        t.equal(res.status, 404, `${method} ${url}`)
        t.equal(res.body.code, 'MSG_ERR_CONVERSATION_NOT_FOUND')
      }
    })
  })

  t.test('GET /api/chat/conversations/:id/messages pages newest first (default 50)', async (t) => {
    const [a, b] = [await newUser(c), await newUser(c)]
    const id = await conversation(app, a, b)
    await seedMessages(app, id, b.id, a.id, 55)
    const page1 = await call(app, 'GET', `/api/chat/conversations/${id}/messages`, a)
    t.equal(page1.body.items.length, 50)
    t.equal(page1.body.items[0].content, 'm54')
    t.type(page1.body.nextCursor, 'string')
    const page2 = await call(
      app,
      'GET',
      `/api/chat/conversations/${id}/messages?cursor=${page1.body.nextCursor}`,
      a,
    )
    t.same(
      page2.body.items.map((m: { content: string }) => m.content),
      ['m4', 'm3', 'm2', 'm1', 'm0'],
    )
    t.equal(page2.body.nextCursor, null)
    const small = await call(app, 'GET', `/api/chat/conversations/${id}/messages?limit=2`, a)
    t.same(Object.keys(small.body.items[0]).slice(0, 7), [
      'id',
      'conversationId',
      'senderId',
      'content',
      'type',
      'createdAt',
      'readAt',
    ])
    const bad = await call(app, 'GET', `/api/chat/conversations/${id}/messages?cursor=nonsense`, a)
    t.equal(bad.status, 400)
    t.equal(bad.body.errors[0].field, 'cursor')
  })

  t.test(
    'GET /api/chat/conversations lists most recent activity first with preview and unread count',
    async (t) => {
      const [me, x, y, z] = [await newUser(c), await newUser(c), await newUser(c), await newUser(c)]
      const cx = await conversation(app, me, x)
      const cy = await conversation(app, me, y)
      const cz = await conversation(app, me, z)
      await call(app, 'POST', `/api/chat/conversations/${cy}/messages`, y, { content: 'from y 1' })
      await call(app, 'POST', `/api/chat/conversations/${cy}/messages`, y, { content: 'from y 2' })
      await call(app, 'POST', `/api/chat/conversations/${cx}/messages`, me, { content: 'to x' })
      const page1 = await call(app, 'GET', '/api/chat/conversations?limit=2', me)
      t.same(
        page1.body.items.map((i: { id: string }) => i.id),
        [cx, cy],
      )
      t.match(page1.body.items[1], {
        otherParticipantId: y.id,
        unreadCount: 2,
        lastMessage: { preview: 'from y 2', senderId: y.id },
      })
      t.match(page1.body.items[0], { otherParticipantId: x.id, unreadCount: 0 })
      const page2 = await call(
        app,
        'GET',
        `/api/chat/conversations?limit=2&cursor=${page1.body.nextCursor}`,
        me,
      )
      t.same(
        page2.body.items.map((i: { id: string }) => i.id),
        [cz],
      )
      t.equal(page2.body.nextCursor, null)
      const theirs = await call(app, 'GET', '/api/chat/conversations', x)
      t.same(
        theirs.body.items.map((i: { id: string }) => i.id),
        [cx],
        'others see only their own',
      )
    },
  )

  t.test(
    'concurrent sends into one conversation: the list and the conversation show the newest message at once',
    async (t) => {
      const [a, b] = [await newUser(c), await newUser(c)]
      const id = await conversation(app, a, b)
      const sent = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          call(app, 'POST', `/api/chat/conversations/${id}/messages`, i % 2 ? a : b, { content: `m${i}` }),
        ),
      )
      t.ok(sent.every((r) => r.status === 201))
      const newest = sent
        .map((r) => r.body as { id: string; createdAt: string })
        .reduce((x, y) => (y.createdAt > x.createdAt || (y.createdAt === x.createdAt && y.id > x.id) ? y : x))
      for (const who of [a, b]) {
        const list = await call(app, 'GET', '/api/chat/conversations', who)
        t.equal(list.body.items[0].id, id)
        t.equal(list.body.items[0].lastMessage.createdAt, newest.createdAt, 'the newest is the preview')
        const one = await call(app, 'GET', `/api/chat/conversations/${id}`, who)
        t.equal(one.body.lastMessage.createdAt, newest.createdAt)
      }
    },
  )

  t.test('GET /api/chat/unread-count and POST /api/chat/conversations/:id/read', async (t) => {
    const [me, x, y] = [await newUser(c), await newUser(c), await newUser(c)]
    const cx = await conversation(app, x, me)
    const cy = await conversation(app, y, me)
    await call(app, 'POST', `/api/chat/conversations/${cx}/messages`, x, { content: '1' })
    await call(app, 'POST', `/api/chat/conversations/${cy}/messages`, y, { content: '2' })
    await call(app, 'POST', `/api/chat/conversations/${cy}/messages`, y, { content: '3' })
    await call(app, 'POST', `/api/chat/conversations/${cy}/messages`, me, { content: 'mine' })
    const unread = await call(app, 'GET', '/api/chat/unread-count', me)
    t.equal(unread.body.total, 3)
    t.same(
      Object.fromEntries(
        unread.body.conversations.map((c: { conversationId: string; count: number }) => [
          c.conversationId,
          c.count,
        ]),
      ),
      { [cx]: 1, [cy]: 2 },
    )
    const read = await call(app, 'POST', `/api/chat/conversations/${cy}/read`, me)
    t.equal(read.body.messageIds.length, 2)
    t.equal((await call(app, 'GET', '/api/chat/unread-count', me)).body.total, 1)
    const history = await call(app, 'GET', `/api/chat/conversations/${cy}/messages`, y)
    t.ok(
      history.body.items
        .filter((m: { senderId: string }) => m.senderId === y.id)
        .every((m: { readAt: string | null }) => m.readAt),
    )
  })
})
