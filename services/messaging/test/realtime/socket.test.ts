import { wsClient } from '@kelmah/testing'
import t from 'tap'
import { call, connect, conversation, eventually, newUser, online, startCluster } from '../fixtures/app.js'
import { Hub } from '../../src/realtime/hub.js'

t.test('the /ws protocol on one instance', async (t) => {
  const c = await startCluster(t, { env: { TYPING_TIMEOUT_MS: '1000', WS_MAX_FRAME_BYTES: '2048' } })
  const inst = c.instances[0]!

  t.test('upgrade authentication', async (t) => {
    t.test(
      'accepts a bearer header and ?token=, refuses none, an expired or a tampered token with 401',
      async (t) => {
        const u = await newUser(c)
        const viaHeader = await connect(inst, u, { header: true })
        t.equal((await viaHeader.next('hello')).userId, u.id)
        await viaHeader.close()
        const viaQuery = await connect(inst, u)
        t.equal((await viaQuery.next('hello')).userId, u.id)
        await viaQuery.close()
        const status = (url: string) =>
          wsClient(url).then(
            (ws) => (ws.close(), 101),
            (err: { statusCode?: number }) => err.statusCode,
          )
        t.equal(await status(inst.wsUrl), 401)
        t.equal(await status(`${inst.wsUrl}?token=${c.kit.expired()}`), 401)
        t.equal(await status(`${inst.wsUrl}?token=${c.kit.tampered()}`), 401)
      },
    )
  })

  t.test('{"type":"chat"} (the quoted frame)', async (t) => {
    t.test(
      'creates the conversation, stores the message, delivers new_message to every tab and message_delivered to the sender',
      async (t) => {
        const [a, b] = [await newUser(c), await newUser(c)]
        const sender = await online(t, inst, a)
        const senderTab2 = await online(t, inst, a)
        const tab1 = await online(t, inst, b)
        const tab2 = await online(t, inst, b)
        sender.ws.send(`{"type":"chat","recipientId":"${b.id}","message":"Hello world"}`)
        const delivered = await sender.next('message_delivered')
        t.match(delivered, {
          type: 'message_delivered',
          messageId: String,
          conversationId: String,
          createdAt: String,
        })
        for (const tab of [tab1, tab2]) {
          const f = await tab.next('new_message')
          t.match(f.message, {
            id: delivered.messageId,
            senderId: a.id,
            content: 'Hello world',
            type: 'text',
            readAt: null,
          })
        }
        t.equal(
          ((await senderTab2.next('new_message')).message as { id: string }).id,
          delivered.messageId,
          "the sender's other tab is kept in sync",
        )
        t.ok(await sender.none('new_message', 100), 'the sending socket gets no echo')
        const history = await call(
          c.app,
          'GET',
          `/api/chat/conversations/${String(delivered.conversationId)}/messages`,
          b,
        )
        t.equal(history.body.items[0].content, 'Hello world')
      },
    )

    t.test('echoes clientId/tempId in message_delivered and stores a retried frame once', async (t) => {
      const [a, b] = [await newUser(c), await newUser(c)]
      const sender = await online(t, inst, a)
      sender.send({ type: 'chat', recipientId: b.id, message: 'hi', tempId: 'tmp-42' })
      const first = await sender.next('message_delivered')
      t.equal(first.clientId, 'tmp-42')
      t.equal(first.tempId, 'tmp-42')
      sender.send({ type: 'chat', recipientId: b.id, message: 'hi', tempId: 'tmp-42' })
      const again = await sender.next('message_delivered')
      t.equal(again.messageId, first.messageId)
      t.equal(again.duplicate, true)
    })

    t.test(
      'stores a message for an offline recipient: history, unread count and the hello frame when they come back',
      async (t) => {
        const [a, b] = [await newUser(c), await newUser(c)]
        const sender = await online(t, inst, a)
        sender.send({ type: 'chat', recipientId: b.id, message: 'are you there?' })
        const delivered = await sender.next('message_delivered')
        t.equal((await call(c.app, 'GET', '/api/chat/unread-count', b)).body.total, 1)
        const later = await connect(inst, b)
        t.teardown(() => later.close())
        const hello = await later.next('hello')
        t.match(hello.unreadMessages, {
          total: 1,
          conversations: [{ conversationId: delivered.conversationId, count: 1 }],
        })
      },
    )
  })

  t.test('{"type":"send_message"} checks the conversation on every frame', async (t) => {
    const [a, b, stranger] = [await newUser(c), await newUser(c), await newUser(c)]
    const id = await conversation(c.app, a, b)
    const sa = await online(t, inst, a)
    const sb = await online(t, inst, b)
    const ss = await online(t, inst, stranger)
    sa.send({ type: 'send_message', conversationId: id, content: 'via send_message' })
    t.equal((await sb.next('new_message')).conversationId, id)
    ss.send({ type: 'send_message', conversationId: id, content: 'intruder' })
    t.match(await ss.next('error'), { reason: 'not_found', ref: 'send_message' })
    ss.send({ type: 'join_conversation', conversationId: id })
    t.match(await ss.next('error'), { reason: 'not_found', ref: 'join_conversation' })
    ss.send({ type: 'typing_start', conversationId: id })
    t.match(await ss.next('error'), { reason: 'not_found', ref: 'typing_start' })
    ss.send({ type: 'typing_start', recipientId: a.id })
    t.match(await ss.next('error'), { reason: 'not_found', ref: 'typing_start' }, 'no typing to strangers')
    sa.send({ type: 'join_conversation', conversationId: id })
    t.match(await sa.next('conversation_joined'), { conversationId: id })
    t.ok(
      await sb.none(
        (f) => f.type === 'new_message' && (f.message as { content: string }).content === 'intruder',
        100,
      ),
    )
    const history = await call(c.app, 'GET', `/api/chat/conversations/${id}/messages`, a)
    t.same(
      history.body.items.map((m: { content: string }) => m.content),
      ['via send_message'],
    )
  })

  t.test('bad frames get an error frame, store nothing, and leave the connection open', async (t) => {
    const [a, b] = [await newUser(c), await newUser(c)]
    const id = await conversation(c.app, a, b)
    const s = await online(t, inst, a)
    s.send('this is not json')
    t.match(await s.next('error'), { reason: 'invalid_json' })
    s.send('[1,2]')
    t.match(await s.next('error'), { reason: 'invalid_json' })
    s.send({ type: 'dance' })
    t.match(await s.next('error'), { reason: 'unknown_type' })
    s.send({ type: 'chat', message: 'no recipient' })
    t.match(await s.next('error'), { reason: 'invalid_frame', ref: 'chat' })
    s.send({ type: 'mark_read' })
    t.match(await s.next('error'), { reason: 'invalid_frame', ref: 'mark_read' })
    s.send({ type: 'send_message', conversationId: id, content: 'x'.repeat(3000) })
    t.match(await s.next('error'), { reason: 'frame_too_large' })
    s.send({ type: 'send_message', conversationId: id, content: '   ' })
    t.match(await s.next('error'), { reason: 'invalid_frame', code: 'MSG_ERR_BAD_CONTENT' })
    s.send({ type: 'ping' })
    t.ok(await s.next('pong'), 'still open and answering')
    t.equal((await call(c.app, 'GET', `/api/chat/conversations/${id}/messages`, a)).body.items.length, 0)
  })

  t.test('typing', async (t) => {
    t.test(
      '{"type":"typing_start","recipientId"} → user_typing true; the server stops it by itself',
      async (t) => {
        const [a, b] = [await newUser(c), await newUser(c)]
        await conversation(c.app, a, b)
        const sa = await online(t, inst, a)
        const sb = await online(t, inst, b)
        sa.ws.send(`{"type":"typing_start","recipientId":"${b.id}"}`)
        t.match(await sb.next('user_typing'), { type: 'user_typing', from: a.id, isTyping: true })
        // A new typing_start extends the indicator (and sends nothing new): the stop comes a full
        // timeout after the second start, whatever the delays before it.
        const secondAt = Date.now()
        sa.send({ type: 'typing_start', recipientId: b.id })
        const stop = await sb.next('user_typing', 5_000)
        t.match(stop, { from: a.id, isTyping: false })
        t.ok(Date.now() - secondAt >= 950, `stopped ${Date.now() - secondAt} ms after the second start`)
      },
    )

    t.test('typing_stop with conversationId, and a disconnect, stop the indicator', async (t) => {
      const [a, b] = [await newUser(c), await newUser(c)]
      const id = await conversation(c.app, a, b)
      const sa = await online(t, inst, a)
      const sb = await online(t, inst, b)
      sa.send({ type: 'typing_start', conversationId: id })
      t.match(await sb.next('user_typing'), { isTyping: true, conversationId: id })
      sa.send({ type: 'typing_stop', conversationId: id })
      t.match(await sb.next('user_typing'), { isTyping: false, conversationId: id })
      sa.send({ type: 'typing_start', conversationId: id })
      t.match(await sb.next('user_typing'), { isTyping: true })
      sa.ws.terminate()
      t.match(await sb.next('user_typing', 2_000), { from: a.id, isTyping: false })
    })
  })

  t.test(
    '{"type":"mark_read","messageIds":[…]} persists readAt and tells the sender with messages_read',
    async (t) => {
      const [a, b] = [await newUser(c), await newUser(c)]
      const sa = await online(t, inst, a)
      const sb = await online(t, inst, b)
      sa.send({ type: 'chat', recipientId: b.id, message: 'one' })
      const m1 = await sa.next('message_delivered')
      sa.send({ type: 'chat', recipientId: b.id, message: 'two' })
      const m2 = await sa.next('message_delivered')
      await sb.next('new_message')
      sb.ws.send(`{"type":"mark_read","messageIds":["${String(m1.messageId)}","${String(m2.messageId)}"]}`)
      const receipt = await sa.next('messages_read')
      t.same(receipt.messageIds, [m1.messageId, m2.messageId])
      t.equal(receipt.readBy, b.id)
      t.ok(!Number.isNaN(Date.parse(receipt.readAt as string)))
      const history = await call(
        c.app,
        'GET',
        `/api/chat/conversations/${String(m1.conversationId)}/messages`,
        a,
      )
      t.ok(history.body.items.every((m: { readAt: string | null }) => m.readAt === receipt.readAt))
      // The sender cannot mark its own messages read; nothing is sent.
      sa.send({ type: 'mark_read', messageIds: [m1.messageId] })
      t.same((await sa.next('messages_marked_read')).messageIds, [])
    },
  )

  t.test('presence: get_online_status, and online/offline pushed to contacts', async (t) => {
    const [a, b, stranger] = [await newUser(c), await newUser(c), await newUser(c)]
    await conversation(c.app, a, b)
    const sa = await online(t, inst, a)
    sa.send({ type: 'get_online_status', userIds: [b.id, stranger.id] })
    t.same((await sa.next('presence')).users, [
      { userId: b.id, status: 'offline' },
      { userId: stranger.id, status: 'unknown' },
    ])
    const sb = await connect(inst, b)
    t.same((await sa.next('presence')).users, [{ userId: b.id, status: 'online' }])
    await sb.next('hello')
    sa.send({ type: 'get_online_status', userIds: [b.id] })
    t.same((await sa.next('presence')).users, [{ userId: b.id, status: 'online' }])
    await sb.close()
    t.same((await sa.next('presence')).users, [{ userId: b.id, status: 'offline' }])
  })
})

t.test('heartbeats and slow consumers', async (t) => {
  const c = await startCluster(t, { env: { HEARTBEAT_INTERVAL_MS: '150' } })
  const inst = c.instances[0]!

  t.test('drops a socket that stops answering pings, and its user goes offline for contacts', async (t) => {
    const [a, b] = [await newUser(c), await newUser(c)]
    await conversation(c.app, a, b)
    const sa = await online(t, inst, a)
    const sb = await online(t, inst, b)
    const live = await online(t, inst, await newUser(c))
    t.same((await sa.next('presence')).users, [{ userId: b.id, status: 'online' }])
    // A dead peer: its socket stops reading, so pings go unanswered.
    ;(sb.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    t.same((await sa.next('presence', 3_000)).users, [{ userId: b.id, status: 'offline' }])
    await eventually(async () => inst.app.hub.connsOf(b.id).length === 0)
    await new Promise((r) => setTimeout(r, 400))
    live.send({ type: 'ping' })
    t.ok(await live.next('pong'), 'a socket that answers pings stays')
  })
})

t.test(
  'a socket whose send buffer is over the limit is closed with 1013 instead of buffering more',
  async (t) => {
    const closed: Array<[number, string]> = []
    const sent: string[] = []
    const log = { warn: () => undefined } as never
    const hub = new Hub({
      redis: { duplicate: () => ({ on: () => undefined }) } as never,
      prefix: 'x:',
      verify: async () => ({}) as never,
      log,
      heartbeatMs: 1000,
      maxFrameBytes: 1000,
      hardMaxFrameBytes: 2000,
      maxBufferedBytes: 1024,
    })
    const ws = {
      readyState: 1,
      bufferedAmount: 0,
      send: (d: string) => sent.push(d),
      close: (code: number, why: string) => closed.push([code, why]),
      terminate: () => undefined,
    }
    const conn = {
      id: 'c',
      userId: 'u',
      role: 'worker',
      ws,
      alive: true,
      typing: new Map(),
      joined: new Set(),
    } as never
    hub.sendRaw(conn, '{"type":"a"}')
    ws.bufferedAmount = 4096
    hub.sendRaw(conn, '{"type":"b"}')
    t.same(sent, ['{"type":"a"}'])
    t.same(closed, [[1013, 'slow consumer']])
  },
)
