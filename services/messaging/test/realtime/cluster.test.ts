import t from 'tap'
import { call, conversation, newUser, online, startCluster } from '../fixtures/app.js'

t.test("two instances deliver to each other's sockets through Redis", async (t) => {
  const c = await startCluster(t, { count: 2 })
  const [one, two] = c.instances as [(typeof c.instances)[0], (typeof c.instances)[0]]

  t.test(
    'a chat frame on instance 1 reaches the recipient on instance 2, on every tab, on both instances',
    async (t) => {
      const [a, b] = [await newUser(c), await newUser(c)]
      const sa = await online(t, one, a)
      const b1 = await online(t, two, b)
      const b2 = await online(t, one, b)
      sa.ws.send(`{"type":"chat","recipientId":"${b.id}","message":"Hello world"}`)
      const delivered = await sa.next('message_delivered')
      for (const tab of [b1, b2])
        t.equal(((await tab.next('new_message')).message as { id: string }).id, delivered.messageId)
      // The answer goes back the other way, and the read receipt too.
      b1.send({ type: 'send_message', conversationId: delivered.conversationId, content: 'hi from 2' })
      t.equal(((await sa.next('new_message')).message as { content: string }).content, 'hi from 2')
      b1.send({ type: 'mark_read', messageIds: [delivered.messageId] })
      t.match(await sa.next('messages_read'), { messageIds: [delivered.messageId], readBy: b.id })
    },
  )

  t.test('typing crosses instances and its auto-stop too', async (t) => {
    const [a, b] = [await newUser(c), await newUser(c)]
    await conversation(c.app, a, b)
    const sa = await online(t, one, a)
    const sb = await online(t, two, b)
    sa.send({ type: 'typing_start', recipientId: b.id })
    t.match(await sb.next('user_typing'), { from: a.id, isTyping: true })
    t.match(await sb.next('user_typing', 3_000), { from: a.id, isTyping: false })
  })

  t.test(
    'presence is shared: online on either instance counts, offline only when the last socket closes',
    async (t) => {
      const [a, b] = [await newUser(c), await newUser(c)]
      await conversation(two.app, a, b)
      const sa = await online(t, one, a)
      const b1 = await online(t, two, b)
      t.same((await sa.next('presence')).users, [{ userId: b.id, status: 'online' }])
      const b2 = await online(t, one, b)
      sa.send({ type: 'get_online_status', userIds: [b.id] })
      t.same((await sa.next('presence')).users, [{ userId: b.id, status: 'online' }])
      await b1.close()
      t.ok(await sa.none('presence', 300), 'still online through the other instance')
      await b2.close()
      t.same((await sa.next('presence')).users, [{ userId: b.id, status: 'offline' }])
    },
  )

  t.test('a REST send on one instance reaches sockets on the other', async (t) => {
    const [a, b] = [await newUser(c), await newUser(c)]
    const id = await conversation(one.app, a, b)
    const sb = await online(t, two, b)
    await call(one.app, 'POST', `/api/chat/conversations/${id}/messages`, a, { content: 'over REST' })
    t.equal(((await sb.next('new_message')).message as { content: string }).content, 'over REST')
  })
})
