/**
 * Socket throttling through real sockets (issue 14, item 6): per-socket buckets by frame kind
 * (an over-limit frame gets an error frame, the socket stays open; a socket that keeps going is
 * closed with 1008), typing coalesced, and a cap on a user's sockets across instances (the extra
 * one gets an error frame and close code 4029; a crashed instance's sockets do not count).
 */
import { testEnv } from '@kelmah/testing'
import { Redis } from 'ioredis'
import t from 'tap'
import { connect, conversation, eventually, newUser, online, startCluster } from '../fixtures/app.js'

t.test('socket limits', async (t) => {
  const c = await startCluster(t, {
    count: 2,
    env: {
      WS_FRAME_LIMITS: 'presence=3/1,refused=12/1',
      WS_MAX_SOCKETS_PER_USER: '3',
      TYPING_TIMEOUT_MS: '3000',
      TYPING_RELAY_INTERVAL_MS: '600',
    },
  })
  const [one, two] = c.instances as [(typeof c.instances)[0], (typeof c.instances)[0]]

  t.test(
    'frames over their kind’s bucket get a rate_limited error frame; the socket stays open',
    async (t) => {
      const [a, b] = [await newUser(c), await newUser(c)]
      await conversation(c.app, a, b)
      const s = await online(t, one, a)
      for (let i = 0; i < 8; i++) s.send({ type: 'get_online_status', userIds: [b.id], clientId: `q${i}` })
      s.send({ type: 'ping' })
      await s.next('pong')
      const answers = s.frames.filter(
        (f) => f.type === 'presence' && Array.isArray(f.users) && f.users.length === 1,
      )
      const errors = s.frames.filter((f) => f.type === 'error')
      t.equal(answers.length, 3, 'the burst of 3 is answered')
      t.equal(errors.length, 5, 'the rest are refused')
      t.match(errors[0], {
        reason: 'rate_limited',
        code: 'MSG_ERR_FRAME_RATE_LIMITED',
        ref: 'get_online_status',
        kind: 'presence',
        clientId: 'q3',
        retryAfterMs: Number,
      })
      t.ok((errors[0]!.retryAfterMs as number) > 0 && (errors[0]!.retryAfterMs as number) <= 1000)
      t.equal(s.ws.readyState, s.ws.OPEN, 'still connected')
      // Other kinds have their own buckets.
      s.send({ type: 'join_conversation', conversationId: '000000000000000000000000' })
      t.match(await s.next((f) => f.type === 'error' && f.reason === 'not_found'), {
        ref: 'join_conversation',
      })
    },
  )

  t.test('a socket that keeps sending refused or invalid frames is closed with 1008', async (t) => {
    const a = await newUser(c)
    const s = await online(t, one, a)
    for (let i = 0; i < 40; i++) s.send(i % 2 ? '{not json' : { type: 'get_online_status', userIds: [] })
    t.equal(await s.closed(), 1008)
    const refused = s.frames.filter((f) => f.type === 'error').length
    t.ok(refused >= 10 && refused <= 12, `answered ${refused} refusals before closing`)
  })

  t.test(
    'typing is coalesced: one start per run and per interval, one stop after a relayed start',
    async (t) => {
      const [a, b] = [await newUser(c), await newUser(c)]
      const id = await conversation(c.app, a, b)
      const sa = await online(t, one, a)
      const sb = await online(t, two, b)
      const typing = () => sb.frames.filter((f) => f.type === 'user_typing')
      for (let i = 0; i < 15; i++) sa.send({ type: 'typing_start', conversationId: id })
      t.match(await sb.next('user_typing'), { from: a.id, isTyping: true, conversationId: id })
      for (let i = 0; i < 3; i++) sa.send({ type: 'typing_stop', conversationId: id })
      t.match(await sb.next('user_typing'), { isTyping: false })
      const started = Date.now()
      sa.send({ type: 'typing_start', conversationId: id })
      const second = await sb.next('user_typing', 3_000)
      t.match(second, { isTyping: true })
      t.ok(Date.now() - started >= 350, 'the next start waits for the relay interval')
      // A start and a stop inside the interval relay nothing at all.
      sa.send({ type: 'typing_stop', conversationId: id })
      t.match(await sb.next('user_typing'), { isTyping: false })
      sa.send({ type: 'typing_start', conversationId: id })
      sa.send({ type: 'typing_stop', conversationId: id })
      t.ok(await sb.none('user_typing', 900), 'nothing relayed for a start cancelled within the interval')
      t.same(
        typing().map((f) => f.isTyping),
        [true, false, true, false],
        '15 + 3 + 1 + 1 + 2 frames became 4 relays',
      )
    },
  )

  t.test(
    "a user's sockets are capped across instances: one more gets too_many_connections and close 4029",
    async (t) => {
      const [u, friend] = [await newUser(c), await newUser(c)]
      const id = await conversation(c.app, friend, u)
      const tabs = [await online(t, one, u), await online(t, two, u), await online(t, one, u)]
      const extra = await connect(two, u)
      t.teardown(() => extra.close())
      t.match(await extra.next('error'), {
        reason: 'too_many_connections',
        code: 'MSG_ERR_TOO_MANY_SOCKETS',
        max: 3,
      })
      t.equal(await extra.closed(), 4029)
      t.notOk(
        extra.frames.some((f) => f.type === 'hello'),
        'the refused socket got no hello',
      )
      // The three open ones are unaffected.
      const sf = await online(t, one, friend)
      sf.send({ type: 'send_message', conversationId: id, content: 'to every tab' })
      for (const tab of tabs) t.match((await tab.next('new_message')).message, { content: 'to every tab' })
      // Closing one makes room (once the server has handled the close).
      await tabs[1]!.close()
      const again = await eventually(async () => {
        const ws = await connect(two, u)
        const first = await ws.next((f) => f.type === 'hello' || f.type === 'error')
        if (first.type === 'hello') return ws
        await ws.close()
        return undefined
      })
      t.teardown(() => again.close())
      t.pass('a new socket is accepted after one closed')
    },
  )

  t.test("a crashed instance's sockets expire from the count (no heartbeat refresh)", async (t) => {
    const u = await newUser(c)
    const redis = new Redis(testEnv().redisUrl)
    t.teardown(() => redis.disconnect())
    // Three sockets of an instance that died: their expiry scores are in the past.
    const key = `${c.prefix}presence:${u.id}`
    await redis.zadd(key, Date.now() - 1, 'dead-1', Date.now() - 1, 'dead-2', Date.now() - 1, 'dead-3')
    const s = await connect(one, u)
    t.teardown(() => s.close())
    t.equal((await s.next('hello')).userId, u.id)
    t.equal(await redis.zscore(key, 'dead-1'), null, 'the expired entries were dropped')
  })
})
