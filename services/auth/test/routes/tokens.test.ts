import { createAccessTokenVerifier } from '@kelmah/service-kit'
import { tokenKit } from '@kelmah/testing'
import t from 'tap'
import { buildTestApp, call, register } from '../fixtures/app.js'

const decode = (jwt: string, part: 0 | 1) =>
  JSON.parse(Buffer.from(jwt.split('.')[part] ?? '', 'base64url').toString())

t.test('tokens', async (t) => {
  // The service signs with the token kit's key, so kit-made bad tokens differ from good ones in one way only.
  const kit = tokenKit()
  const ta = await buildTestApp({
    privateKeyPem: kit.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  })
  t.teardown(() => ta.close())
  const u = await register(ta.app)

  t.test('GET /api/auth/.well-known/jwks.json publishes the public key, cacheably', async (t) => {
    const res = await call(ta.app, 'GET', '/.well-known/jwks.json')
    t.equal(res.status, 200)
    t.match(res.headers['cache-control'], /public, max-age=\d+/)
    t.equal(res.body.keys.length, 1)
    const [key] = res.body.keys
    t.same(Object.keys(key).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'], 'no private part (d)')
    t.match(key, { kid: kit.kid, alg: 'ES256', use: 'sig', kty: 'EC', crv: 'P-256' })
    t.same(key, kit.jwks.keys[0], 'kid is derived like everywhere else: sha256 of the public key DER, 16 hex')
  })

  t.test(
    'access tokens carry sub, role, emailVerified, sid, iat, exp = iat + 900, iss, aud and kid',
    async (t) => {
      const header = decode(u.accessToken, 0)
      const claims = decode(u.accessToken, 1)
      t.match(header, { alg: 'ES256', kid: kit.kid })
      t.match(claims, {
        sub: u.id,
        role: 'worker',
        emailVerified: false,
        sid: String,
        iss: 'kelmah-auth',
        aud: 'kelmah',
      })
      t.equal(claims.exp - claims.iat, 900)
      t.ok(Math.abs(claims.iat - Date.now() / 1000) < 60, 'iat is now')
      t.notOk('email' in claims, 'no personal data beyond the id')
    },
  )

  t.test('a verifier fed only the published JWKS accepts the tokens (zero trust)', async (t) => {
    const jwks = (await call(ta.app, 'GET', '/.well-known/jwks.json')).body
    const verify = createAccessTokenVerifier({ jwks, issuer: 'kelmah-auth', audience: 'kelmah' })
    t.match(await verify(u.accessToken), { sub: u.id, role: 'worker' })
  })

  t.test('GET /api/auth/me refuses bad tokens with 401', async (t) => {
    const me = (token: string) => call(ta.app, 'GET', '/me', undefined, token)
    const sid = decode(u.accessToken, 1).sid
    t.equal(
      (await me(kit.sign({ sub: u.id, sid }))).status,
      200,
      'a well-made token for a live session passes (control)',
    )
    const expired = await me(kit.expired({ sub: u.id, sid }))
    t.equal(expired.status, 401, 'expired')
    t.match(expired.body.detail, /expired/)
    t.equal((await me(kit.tampered({ sub: u.id, sid }))).status, 401, 'tampered payload')
    t.equal((await me(kit.algNone({ sub: u.id, sid }))).status, 401, 'alg: none')
    t.equal(
      (await me(tokenKit({ kid: kit.kid }).sign({ sub: u.id, sid }))).status,
      401,
      'signed by another key under the same kid',
    )
    t.equal((await me(tokenKit().sign({ sub: u.id, sid }))).status, 401, 'unknown kid')
    t.equal(
      (await me(kit.sign({ sub: u.id, sid }, { audience: 'someone-else' }))).status,
      401,
      'wrong audience',
    )
    t.equal((await me(kit.sign({ sub: u.id, sid }, { issuer: 'evil' }))).status, 401, 'wrong issuer')
    t.equal((await me(kit.sign({ sub: u.id }))).status, 401, 'no session id')
    t.equal((await me('not.a.jwt')).status, 401, 'garbage')
  })
})
