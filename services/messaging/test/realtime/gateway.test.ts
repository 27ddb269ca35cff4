/**
 * End to end through the real gateway (built from gateway/src/app.ts, as gateway/test does with
 * its upstreams): clients connect to the gateway's /ws and /api/chat, the gateway proxies to a
 * messaging instance listening on port 0, both trusting the same token kit's JWKS.
 */
import { testEnv, tokenKit, uniqueName, wsClient, type WsClient } from '@kelmah/testing'
import { Redis } from 'ioredis'
import t from 'tap'
import { buildApp as buildGateway } from '../../../../gateway/src/app.js'
import { loadGatewayConfig } from '../../../../gateway/src/config.js'
import { newUser, startCluster, type User } from '../fixtures/app.js'

t.test('sockets through the gateway', async (t) => {
  const kit = tokenKit()
  const c = await startCluster(t, { kit })
  const namespace = `${uniqueName('gwmsg')}:`
  const gateway = await buildGateway({
    config: loadGatewayConfig({
      AUTH_SERVICE_URL: '',
      MESSAGING_SERVICE_URL: c.instances[0]!.url,
      REDIS_URL: testEnv().redisUrl,
      RATE_LIMIT_NAMESPACE: namespace,
    }),
    jwks: kit.jwks,
    logLevel: false,
  })
  const base = await gateway.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => {
    await gateway.close()
    const redis = new Redis(testEnv().redisUrl)
    const keys = await redis.keys(`${namespace}*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
  })
  const wsBase = `${base.replace('http', 'ws')}/ws`
  const viaGateway = async (u: User, header = false): Promise<WsClient> => {
    const client = header
      ? await wsClient(wsBase, { headers: { authorization: `Bearer ${u.token}` } })
      : await wsClient(`${wsBase}?token=${u.token}`)
    t.teardown(() => client.close())
    await client.next('hello')
    return client
  }

  t.test('the quoted frames work end to end: chat, typing, mark_read', async (t) => {
    const [a, b] = [newUser(kit), newUser(kit)]
    const sa = await viaGateway(a, true)
    const sb = await viaGateway(b)
    sa.ws.send(`{"type":"chat","recipientId":"${b.id}","message":"Hello world"}`)
    const delivered = await sa.next('message_delivered')
    const incoming = await sb.next('new_message')
    t.match(incoming.message, { id: delivered.messageId, senderId: a.id, content: 'Hello world' })
    sb.ws.send(`{"type":"typing_start","recipientId":"${a.id}"}`)
    t.match(await sa.next('user_typing'), { type: 'user_typing', from: b.id, isTyping: true })
    sb.ws.send(`{"type":"mark_read","messageIds":["${delivered.messageId}"]}`)
    t.match(await sa.next('messages_read'), {
      type: 'messages_read',
      messageIds: [delivered.messageId],
      readBy: b.id,
      readAt: String,
    })
    t.match(
      await sa.next('user_typing', 3_000),
      { from: b.id, isTyping: false },
      'auto-stop arrives through the gateway',
    )
    const rest = await gateway.inject({
      method: 'GET',
      url: `/api/chat/conversations/${delivered.conversationId}/messages`,
      headers: { authorization: `Bearer ${a.token}` },
    })
    t.equal(rest.statusCode, 200)
    t.equal(rest.json().items[0].readAt !== null, true)
  })

  t.test('the gateway refuses an upgrade without a valid token (401)', async (t) => {
    const status = (url: string) =>
      wsClient(url).then(
        (ws) => (ws.close(), 101),
        (err: { statusCode?: number }) => err.statusCode,
      )
    t.equal(await status(wsBase), 401)
    t.equal(await status(`${wsBase}?token=${kit.expired()}`), 401)
  })
})
