import t from 'tap'
import { testEnv, tokenKit } from '@kelmah/testing'
import {
  buildService,
  isRevoked,
  revocationKey,
  revokeTokens,
  RevocationCache,
  tokenIssuedAtMs,
} from '../src/index.js'

const env = testEnv()
const keys = tokenKit()

t.test('a service refuses tokens issued before the user was revoked', async (t) => {
  const app = await buildService({
    name: 'kit-revocation',
    logLevel: false,
    redisUrl: env.redisUrl,
    auth: { jwks: keys.jwks, issuer: 'kelmah-auth', audience: 'kelmah', revocationCacheMs: 0 },
  })
  app.get('/who', { onRequest: app.authenticate }, async (request) => ({ sub: request.user?.sub }))
  await app.ready()
  t.teardown(() => app.close())
  const sub = `user-${Math.random().toString(16).slice(2)}`
  t.teardown(() => app.redis.del(revocationKey(sub)))
  const old = keys.sign({ sub })
  const get = (token: string) => app.inject({ url: '/who', headers: { authorization: `Bearer ${token}` } })
  t.equal((await get(old)).statusCode, 200)

  await revokeTokens(app.redis, sub, { tokenTtlMs: 60_000 })
  const res = await get(old)
  t.equal(res.statusCode, 401)
  t.match(res.json(), { code: 'KIT_ERR_UNAUTHORIZED', detail: /revoked/ })
  const failure = await app.verifyAccessToken(old).then(
    () => 'accepted',
    (err: { failure?: string }) => err.failure,
  )
  t.equal(failure, 'revoked', 'upgrades are refused too')
  t.ok(
    await app.verifyTokenSignature(old),
    'the signature alone is still good (the gateway reads the mark itself)',
  )
  t.equal((await get(keys.sign({ sub, iatMs: Date.now() + 1 }))).statusCode, 200, 'a later token works')
})

t.test(
  'RevocationCache reuses a mark for its TTL and shares one GET between concurrent checks',
  async (t) => {
    const { Redis } = await import('ioredis')
    const redis = new Redis(env.redisUrl)
    t.teardown(() => redis.quit())
    const sub = `user-${Math.random().toString(16).slice(2)}`
    t.teardown(() => redis.del(revocationKey(sub)))
    let now = 1_000
    let gets = 0
    const counted = new Proxy(redis, {
      get(target, prop, receiver) {
        if (prop === 'get') gets++
        return Reflect.get(target, prop, receiver) as unknown
      },
    })
    const cache = new RevocationCache(() => counted, { ttlMs: 1000, now: () => now })
    t.same(await Promise.all([cache.markOf(sub), cache.markOf(sub), cache.markOf(sub)]), [null, null, null])
    t.equal(gets, 1)
    const mark = await revokeTokens(redis, sub, { tokenTtlMs: 60_000 })
    t.equal(await cache.markOf(sub), null, 'within the TTL the old answer stands')
    now += 1000
    t.equal(await cache.markOf(sub), mark, 'then it reads again')
    t.equal(gets, 2)
  },
)

t.test('issue times: iatMs when present, else the start of the iat second', async (t) => {
  t.equal(tokenIssuedAtMs({ iat: 10 }), 10_000)
  t.equal(tokenIssuedAtMs({ iat: 10, iatMs: 10_456 }), 10_456)
  t.ok(isRevoked({ iat: 10, iatMs: 10_456 }, 10_457))
  t.notOk(isRevoked({ iat: 10, iatMs: 10_456 }, 10_456))
  t.notOk(isRevoked({ iat: 10 }, null))
})
