import t from 'tap'
import { BLOCK_CACHE_MAX_IDS, BlockCache } from '../../src/services/block-cache.js'
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

  t.test("another instance lists a conversation's newest message once it is written", async (t) => {
    const [a, b] = [await newUser(c), await newUser(c)]
    const id = await conversation(one.app, a, b)
    const sent = await call(one.app, 'POST', `/api/chat/conversations/${id}/messages`, a, { content: 'hi' })
    const started = Date.now()
    let listed: { lastMessage?: { id: string } } | undefined
    while (Date.now() - started < 5_000) {
      const list = await call(two.app, 'GET', '/api/chat/conversations', b)
      listed = (list.body.items as Array<{ id: string; lastMessage?: { id: string } }>).find(
        (i) => i.id === id,
      )
      if (listed?.lastMessage?.id === sent.body.id) break
      await new Promise((r) => setTimeout(r, 20))
    }
    t.equal(
      listed?.lastMessage?.id,
      sent.body.id,
      `listed by the other instance in ${Date.now() - started} ms`,
    )
  })

  t.test('a REST send on one instance reaches sockets on the other', async (t) => {
    const [a, b] = [await newUser(c), await newUser(c)]
    const id = await conversation(one.app, a, b)
    const sb = await online(t, two, b)
    await call(one.app, 'POST', `/api/chat/conversations/${id}/messages`, a, { content: 'over REST' })
    t.equal(((await sb.next('new_message')).message as { content: string }).content, 'over REST')
  })

  t.test(
    'a block made on one instance stops messages through the other at once, also after Redis lost the cached lists',
    async (t) => {
      const [blocker, pest] = [await newUser(c), await newUser(c)]
      const id = await conversation(one.app, pest, blocker)
      const send = (content: string) =>
        call(one.app, 'POST', `/api/chat/conversations/${id}/messages`, pest, { content })
      // Instance 1 caches the blocker's (empty) block list with this send.
      t.equal((await send('first')).status, 201)
      t.equal((await call(two.app, 'POST', `/api/chat/blocks/${pest.id}`, blocker)).status, 201)
      t.equal((await send('after the block')).status, 403, 'the block counts on the other instance at once')
      const redis = one.app.redis
      const cached = await redis.keys(`${c.prefix}blocks:*`)
      t.ok(cached.length > 0, 'the block lists are cached in Redis')
      await redis.del(...cached)
      t.equal((await send('after Redis lost the lists')).status, 403, 'rebuilt from the database')
      t.equal((await call(two.app, 'DELETE', `/api/chat/blocks/${pest.id}`, blocker)).status, 204)
      t.equal((await send('after the unblock')).status, 201)
    },
  )

  t.test('a block list loaded while a block commits is not cached stale', async (t) => {
    const cache = new BlockCache(one.app.redis, c.prefix)
    const blocker = `race-${Date.now()}`
    // The load reads the database before the block; the block's invalidation lands before the
    // load writes the list back: the older list must not be cached.
    const blocked = await cache.isBlocked(blocker, 'pest', async () => {
      await cache.invalidate(blocker)
      return []
    })
    t.equal(blocked, false, 'the answer is the one the database gave')
    t.equal(await one.app.redis.exists(`${c.prefix}blocks:${blocker}`), 0, 'nothing cached')
    t.equal(await cache.isBlocked(blocker, 'pest', async () => ['pest']), true, 'the next check loads again')
    t.equal(await cache.isBlocked(blocker, 'pest', async () => t.fail('loaded twice') as never), true)
    // A list too long for one script call is answered, not cached.
    const many = Array.from({ length: BLOCK_CACHE_MAX_IDS + 1 }, (_, i) => `u${i}`)
    t.equal(await cache.isBlocked(`${blocker}-many`, 'u42', async () => many), true)
    t.equal(await one.app.redis.exists(`${c.prefix}blocks:${blocker}-many`), 0)
  })
})
