import Fastify from 'fastify'
import t from 'tap'
import { tokenKit } from '@kelmah/testing'
import { buildService, requireRole } from '../src/index.js'

const kit = tokenKit()

async function appWith(auth: Parameters<typeof buildService>[0]['auth']) {
  const app = await buildService({ name: 'kit-test', logLevel: false, auth })
  app.get('/me', { preHandler: app.authenticate }, async (req) => req.user)
  app.get('/hirers-only', { preHandler: [app.authenticate, requireRole('hirer')] }, async () => ({
    ok: true,
  }))
  return app
}

t.test('a valid token passes and exposes its claims', async (t) => {
  const app = await appWith({ jwks: kit.jwks, issuer: 'kelmah-auth', audience: 'kelmah' })
  t.teardown(() => app.close())
  const res = await app.inject({
    url: '/me',
    headers: { authorization: `Bearer ${kit.sign({ sub: 'u1', role: 'hirer' })}` },
  })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { sub: 'u1', role: 'hirer', iss: 'kelmah-auth', aud: 'kelmah' })
})

t.test('missing, expired, tampered, alg:none and wrong-key tokens are 401 problems', async (t) => {
  const app = await appWith({ jwks: kit.jwks, issuer: 'kelmah-auth', audience: 'kelmah' })
  t.teardown(() => app.close())
  const other = tokenKit({ kid: kit.kid })
  const cases: Record<string, string | undefined> = {
    missing: undefined,
    expired: kit.expired(),
    tampered: kit.tampered(),
    'alg none': kit.algNone(),
    'wrong key, same kid': other.sign(),
    'unknown kid': tokenKit().sign(),
    'wrong audience': kit.sign({}, { audience: 'someone-else' }),
    'wrong issuer': kit.sign({}, { issuer: 'evil' }),
    garbage: 'not.a.jwt',
  }
  for (const [name, token] of Object.entries(cases)) {
    const res = await app.inject({ url: '/me', headers: token ? { authorization: `Bearer ${token}` } : {} })
    t.equal(res.statusCode, 401, name)
    t.match(res.headers['content-type'], /problem\+json/, name)
    t.match(res.headers['www-authenticate'], /^Bearer/, name)
  }
  const expired = await app.inject({ url: '/me', headers: { authorization: `Bearer ${kit.expired()}` } })
  t.match(expired.json().detail, /expired/)
})

t.test('a role guard answers 403 for other roles', async (t) => {
  const app = await appWith({ jwks: kit.jwks, issuer: 'kelmah-auth', audience: 'kelmah' })
  t.teardown(() => app.close())
  const res = await app.inject({
    url: '/hirers-only',
    headers: { authorization: `Bearer ${kit.sign({ role: 'worker' })}` },
  })
  t.equal(res.statusCode, 403)
  t.equal(res.json().code, 'KIT_ERR_FORBIDDEN')
})

t.test('keys are fetched from a JWKS URL; 503 when it cannot be reached', async (t) => {
  const jwksServer = Fastify()
  let served = 0
  jwksServer.get('/api/auth/.well-known/jwks.json', async () => {
    served++
    return kit.jwks
  })
  await jwksServer.listen({ port: 0, host: '127.0.0.1' })
  const port = (jwksServer.server.address() as { port: number }).port
  const app = await appWith({
    jwksUrl: `http://127.0.0.1:${port}/api/auth/.well-known/jwks.json`,
    issuer: 'kelmah-auth',
    audience: 'kelmah',
  })
  t.teardown(() => app.close())
  const token = kit.sign({ sub: 'u2' })
  for (let i = 0; i < 3; i++) {
    const res = await app.inject({ url: '/me', headers: { authorization: `Bearer ${token}` } })
    t.equal(res.statusCode, 200)
  }
  t.equal(served, 1, 'keys are cached')
  await jwksServer.close()

  const down = await appWith({
    jwksUrl: `http://127.0.0.1:${port}/api/auth/.well-known/jwks.json`,
    issuer: 'kelmah-auth',
    audience: 'kelmah',
  })
  t.teardown(() => down.close())
  const res = await down.inject({ url: '/me', headers: { authorization: `Bearer ${kit.sign()}` } })
  t.equal(res.statusCode, 503)
})
