import t from 'tap'
import { call, conversation, eventually, newUser, online, startCluster } from '../fixtures/app.js'

t.test('call signalling across two instances', async (t) => {
  const c = await startCluster(t, { count: 2, env: { CALL_RING_TIMEOUT_S: '2', CALL_MAX_DURATION_S: '3' } })
  const [one, two] = c.instances as [(typeof c.instances)[0], (typeof c.instances)[0]]
  const history = async (id: string, u: { id: string; token: string }) =>
    (await call(c.app, 'GET', `/api/chat/conversations/${id}/messages`, u)).body.items

  t.test(
    'invite → accept → offer/answer/ICE relayed → upgrade to video with consent → end, logged',
    async (t) => {
      const [a, b, watcher] = [await newUser(c), await newUser(c), await newUser(c)]
      const id = await conversation(c.app, a, b)
      await conversation(c.app, watcher, a)
      const sa = await online(t, one, a)
      const sb = await online(t, two, b)
      const sw = await online(t, one, watcher)
      sa.send({ type: 'call_invite', conversationId: id, media: 'audio' })
      const ringing = await sa.next('call_ringing')
      const invite = await sb.next('call_invite')
      t.match(invite, { callId: ringing.callId, conversationId: id, from: a.id, media: 'audio' })
      const callId = ringing.callId as string

      sa.send({ type: 'offer', callId, sdp: { type: 'offer', sdp: 'v=0 early' } })
      t.match(await sa.next('error'), { reason: 'call_not_accepted', ref: 'offer' })
      t.ok(await sb.none('offer', 100), 'nothing relayed before consent')

      sb.send({ type: 'call_accept', callId })
      t.match(await sa.next('call_accept'), { callId, from: b.id })
      t.same(
        (
          await sw.next(
            (f) => f.type === 'presence' && (f.users as Array<{ status: string }>)[0]?.status === 'in_call',
          )
        ).users,
        [{ userId: a.id, status: 'in_call' }],
      )

      sa.send({ type: 'offer', callId, sdp: { type: 'offer', sdp: 'v=0 a' } })
      t.match(await sb.next('offer'), { callId, from: a.id, sdp: { sdp: 'v=0 a' } })
      sb.send({ type: 'answer', callId, sdp: { type: 'answer', sdp: 'v=0 b' } })
      t.match(await sa.next('answer'), { callId, from: b.id })
      sb.send({
        type: 'ice_candidate',
        callId,
        candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 9 typ host' },
      })
      t.match(await sa.next('ice_candidate'), { callId, candidate: { candidate: String } })

      sb.send({ type: 'call_upgrade_accept', callId })
      t.match(await sb.next('error'), { reason: 'invalid_state' }, 'no upgrade was asked for')
      sa.send({ type: 'call_upgrade', callId, media: 'video' })
      t.match(await sb.next('call_upgrade'), { callId, from: a.id, media: 'video' })
      sb.send({ type: 'call_upgrade_accept', callId })
      t.match(await sa.next('call_upgrade_accept'), { callId, from: b.id, media: 'video' })

      await new Promise((r) => setTimeout(r, 1_100))
      sb.send({ type: 'call_end', callId })
      t.match(await sa.next('call_end'), { callId, by: b.id, outcome: 'completed' })
      const log = await eventually(async () =>
        (await history(id, a)).find((m: { type: string }) => m.type === 'call'),
      )
      t.match(log, {
        type: 'call',
        senderId: a.id,
        kind: 'completed',
        call: { callId, media: 'video', outcome: 'completed', callerId: a.id },
      })
      t.ok(log.call.durationS >= 1, `duration ${log.call.durationS} s`)
      sa.send({ type: 'offer', callId, sdp: {} })
      t.match(await sa.next('error'), { reason: 'not_found' }, 'an ended call relays nothing')
    },
  )

  t.test('a declined call and an unanswered one end and are logged as declined and missed', async (t) => {
    const [a, b] = [await newUser(c), await newUser(c)]
    const id = await conversation(c.app, a, b)
    const sa = await online(t, one, a)
    const sb = await online(t, two, b)
    sa.send({ type: 'call_invite', conversationId: id, media: 'video' })
    const first = (await sb.next('call_invite')).callId
    sb.send({ type: 'call_decline', callId: first })
    t.match(await sa.next('call_end'), { callId: first, outcome: 'declined' })
    sa.send({ type: 'call_invite', conversationId: id, media: 'audio' })
    const second = (await sb.next('call_invite')).callId
    t.match(await sa.next((f) => f.type === 'call_end' && f.callId === second, 5_000), {
      reason: 'ring_timeout',
      outcome: 'missed',
    })
    const kinds = await eventually(async () => {
      const calls = (await history(id, b)).filter((m: { type: string }) => m.type === 'call')
      return calls.length === 2 ? calls.map((m: { kind: string }) => m.kind).sort() : undefined
    })
    t.same(kinds, ['declined', 'missed'])
  })

  t.test('a call ends by itself after the maximum duration', async (t) => {
    const [a, b] = [await newUser(c), await newUser(c)]
    const id = await conversation(c.app, a, b)
    const sa = await online(t, one, a)
    const sb = await online(t, two, b)
    sa.send({ type: 'call_invite', conversationId: id, media: 'audio' })
    const callId = (await sb.next('call_invite')).callId
    sb.send({ type: 'call_accept', callId })
    await sa.next('call_accept')
    t.match(await sb.next('call_end', 6_000), {
      callId,
      by: null,
      reason: 'max_duration',
      outcome: 'completed',
    })
  })

  t.test('only participants may call; one call at a time', async (t) => {
    const [a, b, stranger] = [await newUser(c), await newUser(c), await newUser(c)]
    const id = await conversation(c.app, a, b)
    const ss = await online(t, one, stranger)
    ss.send({ type: 'call_invite', conversationId: id, media: 'audio' })
    t.match(await ss.next('error'), { reason: 'not_found', ref: 'call_invite' })
    const sa = await online(t, one, a)
    const sb = await online(t, two, b)
    sa.send({ type: 'call_invite', conversationId: id, media: 'audio' })
    const callId = (await sa.next('call_ringing')).callId
    sb.send({ type: 'call_invite', conversationId: id, media: 'audio' })
    t.match(await sb.next('error'), { reason: 'busy' })
    ss.send({ type: 'call_accept', callId })
    t.match(await ss.next('error'), { reason: 'not_found' }, "a stranger cannot touch someone's call")
    // The caller's socket goes away: the ringing call ends (cancelled) for the callee.
    sa.ws.terminate()
    t.match(await sb.next('call_end', 3_000), { callId, reason: 'disconnected', outcome: 'cancelled' })
  })
})
