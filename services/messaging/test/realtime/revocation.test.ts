import { revocationKey, revokeTokens } from '@kelmah/service-kit'
import { wsClient } from '@kelmah/testing'
import t from 'tap'
import { call, eventually, newUser, online, startCluster } from '../fixtures/app.js'
import { CLOSE_REVOKED } from '../../src/realtime/revocation.js'

t.test('revoked tokens in messaging', async (t) => {
  const c = await startCluster(t, { count: 2 })
  const [one, two] = c.instances as [(typeof c.instances)[0], (typeof c.instances)[0]]

  t.test(
    "closes every socket of the user on every instance within seconds, refuses the old token's upgrades and requests",
    async (t) => {
      const u = await newUser(c)
      const other = await newUser(c)
      t.teardown(() => c.app.redis.del(revocationKey(u.id)))
      const a = await online(t, one, u)
      const b = await online(t, two, u)
      const bystander = await online(t, one, other)
      t.equal((await call(c.app, 'GET', '/api/chat/conversations', u)).status, 200)

      const started = Date.now()
      await revokeTokens(c.app.redis, u.id, { tokenTtlMs: 900_000 })
      t.same(await Promise.all([a.closed(), b.closed()]), [CLOSE_REVOKED, CLOSE_REVOKED])
      t.ok(Date.now() - started < 5_000, `closed in ${Date.now() - started} ms`)
      t.ok(await bystander.none('never', 50), "another user's socket stays open")
      t.equal(bystander.ws.readyState, bystander.ws.OPEN)

      // Services reuse a mark read from Redis for up to 1 s (RevocationCache): poll the API, then
      // the same process refuses the upgrade too.
      const refused = await eventually(async () => {
        const res = await call(c.app, 'GET', '/api/chat/conversations', u)
        return res.status === 401 ? res : undefined
      })
      t.match(refused.body, { code: 'KIT_ERR_UNAUTHORIZED', detail: /revoked/ })
      t.ok(Date.now() - started < 5_000, `requests refused after ${Date.now() - started} ms`)
      const upgrade = await wsClient(`${one.wsUrl}?token=${u.token}`).then(
        (ws) => (ws.close(), 101),
        (err: { statusCode?: number }) => err.statusCode,
      )
      t.equal(upgrade, 401, 'the old token opens no new socket')

      const fresh = { id: u.id, token: c.kit.sign({ sub: u.id, iatMs: Date.now() + 1 }) }
      const again = await online(t, one, fresh)
      t.equal(again.ws.readyState, again.ws.OPEN, 'a token issued after the mark connects')
      t.equal((await call(c.app, 'GET', '/api/chat/conversations', fresh)).status, 200)
    },
  )
})
