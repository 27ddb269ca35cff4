/**
 * Token material: the ES256 signing key and its JWKS, access-token signing, and opaque refresh
 * tokens (random, stored only as SHA-256 hashes).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto'
import { ConfigError } from '@kelmah/service-kit'
import { createSigner } from 'fast-jwt'
import type { Role } from './models/user.js'

/** A P-256 public key as published in the JWKS (RFC 7517, RFC 7518 §6.2), with its id, algorithm and use. */
export interface PublicJwk {
  kty: 'EC'
  crv: 'P-256'
  x: string
  y: string
  kid: string
  alg: 'ES256'
  use: 'sig'
}

/** The service's signing key and what is derived from it. */
export interface SigningKey {
  privateKey: KeyObject
  publicKey: KeyObject
  /** The key id in token headers and the JWKS. */
  kid: string
  publicJwk: PublicJwk
}

/**
 * The key id derived from a public key: the first 16 hex characters of the SHA-256 of its DER
 * (SPKI) encoding — stable across restarts and replicas sharing the key, new when the key is rotated.
 */
export function deriveKid(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16)
}

/**
 * Load an ES256 signing key from PEM (PKCS#8 or SEC1).
 *
 * @param pem - the private key
 * @param kid - key id override; derived with {@link deriveKid} when absent
 * @throws ConfigError when the PEM is not an EC private key on P-256
 */
export function loadSigningKey(pem: string, kid?: string): SigningKey {
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey(pem)
  } catch (err) {
    throw new ConfigError(
      `invalid configuration — the JWT private key is not a PEM private key: ${(err as Error).message}`,
    )
  }
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ConfigError(
      'invalid configuration — the JWT private key must be an EC key on P-256 (ES256); make one with `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`',
    )
  }
  const publicKey = createPublicKey(privateKey)
  const id = kid ?? deriveKid(publicKey)
  const { x, y } = publicKey.export({ format: 'jwk' }) as JsonWebKey & { x: string; y: string }
  return {
    privateKey,
    publicKey,
    kid: id,
    publicJwk: { kty: 'EC', crv: 'P-256', x, y, kid: id, alg: 'ES256', use: 'sig' },
  }
}

/** The JWKS document (RFC 7517 §5) publishing `keys`. */
export function jwksOf(...keys: SigningKey[]): { keys: PublicJwk[] } {
  return { keys: keys.map((k) => k.publicJwk) }
}

/** The claims the service puts in an access token (besides `iat`, `exp`, `iss`, `aud`). */
export interface AccessTokenSubject {
  sub: string
  role: Role
  emailVerified: boolean
  /** The session (refresh-token family) id. */
  sid: string
}

/** Options of {@link accessTokenSigner}. */
export interface AccessTokenOptions {
  issuer: string
  audience: string
  /** Lifetime, seconds. */
  ttlS: number
}

/**
 * Make a function that signs access tokens: ES256, `kid` in the header, `iat`/`exp` in seconds
 * with `exp - iat = ttlS`, and `iatMs` (epoch ms) for revocation marks.
 */
export function accessTokenSigner(
  key: SigningKey,
  opts: AccessTokenOptions,
): (subject: AccessTokenSubject) => string {
  const pem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const sign = createSigner({
    key: pem,
    algorithm: 'ES256',
    kid: key.kid,
    iss: opts.issuer,
    aud: opts.audience,
    expiresIn: opts.ttlS * 1000,
  })
  // `iatMs`: the issue time in milliseconds, so a token minted in the same second as a revocation
  // mark is told apart from one minted before it (@kelmah/service-kit src/revocation.ts).
  return (subject) =>
    sign({
      sub: subject.sub,
      role: subject.role,
      emailVerified: subject.emailVerified,
      sid: subject.sid,
      iatMs: Date.now(),
    })
}

/** A new opaque refresh token: 32 random bytes, base64url (43 characters). */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url')
}

/** The stored form of a refresh token: SHA-256, base64url. A fast hash suffices for 256 random bits. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}
