/**
 * Token minting for tests: a throwaway ES256 key pair, its JWKS, and tokens good or bad in every
 * way the verifiers must refuse (expired, tampered, `alg: none`, signed by the wrong key).
 */
import { createHash, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto'
import { createSigner } from 'fast-jwt'

/** Claims a test token may carry; `sub` and `role` default to a fresh worker. */
export interface TestClaims {
  sub?: string
  role?: 'hirer' | 'worker' | 'admin'
  emailVerified?: boolean
  sid?: string
  [k: string]: unknown
}

/** A key pair with helpers to mint tokens. */
export interface TokenKit {
  kid: string
  /** The public JWKS to give a verifier. */
  jwks: { keys: Array<JsonWebKey & { kid: string; alg: string; use: string }> }
  privateKey: KeyObject
  /** A valid access token (15 min unless `expiresInMs` says otherwise). */
  sign(
    claims?: TestClaims,
    opts?: { expiresInMs?: number; issuer?: string; audience?: string; kid?: string },
  ): string
  /** A token whose `exp` is in the past. */
  expired(claims?: TestClaims): string
  /** A valid token with one payload character changed (signature no longer matches). */
  tampered(claims?: TestClaims): string
  /** An unsigned token with `alg: none`. */
  algNone(claims?: TestClaims): string
}

/**
 * Make a token kit.
 *
 * @param opts.issuer - default `kelmah-auth`; @param opts.audience - default `kelmah`
 */
export function tokenKit(opts: { issuer?: string; audience?: string; kid?: string } = {}): TokenKit {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const der = publicKey.export({ type: 'spki', format: 'der' })
  const kid = opts.kid ?? createHash('sha256').update(der).digest('hex').slice(0, 16)
  const issuer = opts.issuer ?? 'kelmah-auth'
  const audience = opts.audience ?? 'kelmah'
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const defaults = (c: TestClaims) => ({
    sub: `user-${Math.random().toString(16).slice(2, 10)}`,
    role: 'worker',
    emailVerified: true,
    ...c,
  })

  const sign: TokenKit['sign'] = (claims = {}, o = {}) =>
    createSigner({
      key: pem,
      algorithm: 'ES256',
      kid: o.kid ?? kid,
      iss: o.issuer ?? issuer,
      aud: o.audience ?? audience,
      expiresIn: o.expiresInMs ?? 15 * 60_000,
    })(defaults(claims))

  return {
    kid,
    privateKey,
    jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }] },
    sign,
    expired: (claims = {}) => {
      const now = Math.floor(Date.now() / 1000)
      return createSigner({ key: pem, algorithm: 'ES256', kid, iss: issuer, aud: audience })({
        ...defaults(claims),
        iat: now - 3600,
        exp: now - 60,
      })
    },
    tampered: (claims = {}) => {
      const [h, p, s] = sign(claims).split('.') as [string, string, string]
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>
      payload.role = 'admin'
      return [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.')
    },
    algNone: (claims = {}) => {
      const now = Math.floor(Date.now() / 1000)
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT', kid })).toString('base64url')
      const payload = Buffer.from(
        JSON.stringify({ ...defaults(claims), iss: issuer, aud: audience, iat: now, exp: now + 900 }),
      ).toString('base64url')
      return `${header}.${payload}.`
    },
  }
}
