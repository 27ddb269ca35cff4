/**
 * Access-token verification, the same at the gateway and in every service (zero trust,
 * docs/architecture.md, Gateway).
 *
 * Tokens are ES256 JWTs signed by the auth service; public keys come from its JWKS
 * (`/api/auth/.well-known/jwks.json`, fetched and cached with `get-jwks`) or, in tests, from a
 * static JWKS. Verification uses `fast-jwt` directly with its token cache on: a token seen before
 * is answered from an LRU without repeating the ECDSA check (the cache is checked before the key
 * lookup, so a warm token costs neither a key lookup nor a signature check). `@fastify/jwt` is not
 * used because it resolves the key before fast-jwt's cache on every request.
 *
 * Only `ES256` is accepted (so `alg: none` and HMAC-with-public-key confusion fail), and `iss`,
 * `aud`, `exp` are required and checked.
 *
 * A signed token can still be void: `authenticate` and `verifyAccessToken` also refuse tokens
 * issued before the user's revocation mark (src/revocation.ts — logout-all, password change or
 * reset, suspension), read from `app.redis` through a short in-process cache
 * (`JwtOptions.revocationCacheMs`, default 1 s: see `RevocationCache` for why not a GET per
 * request). `verifyTokenSignature` skips that check, for the gateway, which reads the mark in the
 * same Redis round trip as its rate limit.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto'
import { createVerifier, TokenError } from 'fast-jwt'
import buildGetJwks from 'get-jwks'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Forbidden, Unauthorized, Unavailable } from './errors.js'
import { isRevoked, RevocationCache } from './revocation.js'

/** The claims of a Kelmah access token. */
export interface AccessClaims {
  /** User id. */
  sub: string
  role: 'hirer' | 'worker' | 'admin'
  emailVerified: boolean
  /** Session (refresh-token family) id, so a logout can name the session. */
  sid?: string
  /** Issued-at and expiry, seconds since the epoch. */
  iat: number
  /** Issued-at in epoch milliseconds (auth's tokens; compared with revocation marks). */
  iatMs?: number
  exp: number
  iss: string
  aud: string | string[]
}

/** Where keys come from and what tokens must say. */
export interface JwtOptions {
  /** The auth service's JWKS URL. */
  jwksUrl?: string
  /** A fixed JWKS (tests, or keys mounted from a secret). Used before `jwksUrl`. */
  jwks?: { keys: Array<JsonWebKey & { kid?: string }> }
  issuer: string
  audience: string
  /** Entries in fast-jwt's verified-token cache (default 10 000; 0 turns it off). */
  cacheSize?: number
  /**
   * Milliseconds a user's revocation mark read from Redis is reused (default 1000; 0 reads on
   * every check). Only applies where the instance has `app.redis`.
   */
  revocationCacheMs?: number
}

/** Error codes a failed verification carries (`err.code`), mapped to 401 or 503 by callers. */
export type VerifyFailure = 'missing' | 'invalid' | 'expired' | 'revoked' | 'keys-unavailable'

/** Thrown by a verifier; `failure` says why. */
export class TokenVerificationError extends Error {
  override readonly name = 'TokenVerificationError'
  constructor(
    readonly failure: VerifyFailure,
    message: string,
  ) {
    super(message)
  }
}

const UNKNOWN_KID_BACKOFF_MS = 30_000

/**
 * Make a function that verifies an access token and returns its claims.
 *
 * @throws TokenVerificationError (`invalid`, `expired`, or `keys-unavailable` when the JWKS
 *   cannot be fetched)
 */
export function createAccessTokenVerifier(opts: JwtOptions): (token: string) => Promise<AccessClaims> {
  const staticKeys = new Map<string, string>()
  for (const jwk of opts.jwks?.keys ?? []) {
    if (jwk.kid)
      staticKeys.set(
        jwk.kid,
        createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString(),
      )
  }
  const url = opts.jwksUrl ? new URL(opts.jwksUrl) : undefined
  const getJwks = url ? buildGetJwks({ jwksPath: url.pathname, ttl: 10 * 60_000, max: 50 }) : undefined
  const pems = new WeakMap<object, string>()
  const unknownKids = new Map<string, number>()

  async function keyFor(kid: string | undefined): Promise<string> {
    if (!kid) throw new TokenVerificationError('invalid', 'token has no kid')
    const fixed = staticKeys.get(kid)
    if (fixed) return fixed
    if (!getJwks || !url) throw new TokenVerificationError('invalid', 'unknown signing key')
    const failedAt = unknownKids.get(kid)
    if (failedAt && Date.now() - failedAt < UNKNOWN_KID_BACKOFF_MS)
      throw new TokenVerificationError('invalid', 'unknown signing key')
    try {
      const jwk = (await getJwks.getJwk({ domain: url.origin, alg: 'ES256', kid })) as JsonWebKey & object
      let pem = pems.get(jwk)
      if (!pem) {
        pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString()
        pems.set(jwk, pem)
      }
      return pem
    } catch (err) {
      if ((err as { code?: string }).code === 'JWK_NOT_FOUND') {
        unknownKids.set(kid, Date.now())
        throw new TokenVerificationError('invalid', 'unknown signing key')
      }
      throw new TokenVerificationError(
        'keys-unavailable',
        `cannot fetch signing keys: ${(err as Error).message}`,
      )
    }
  }

  const verify = createVerifier({
    key: async (decoded: { header: { kid?: string } }) => keyFor(decoded.header.kid),
    algorithms: ['ES256'],
    allowedIss: opts.issuer,
    allowedAud: opts.audience,
    requiredClaims: ['sub', 'exp', 'iat', 'iss', 'aud'],
    cache: opts.cacheSize ?? 10_000,
  })

  return async (token: string) => {
    try {
      return (await verify(token)) as AccessClaims
    } catch (err) {
      if (err instanceof TokenVerificationError) throw err
      const cause = (err as { originalError?: unknown }).originalError
      if (cause instanceof TokenVerificationError) throw cause
      if (err instanceof TokenError && err.code === TokenError.codes.expired) {
        throw new TokenVerificationError('expired', 'token has expired')
      }
      throw new TokenVerificationError('invalid', `token is invalid: ${(err as Error).message}`)
    }
  }
}

/** The bearer token of a request: `Authorization: Bearer <t>`, or `?token=` on WebSocket upgrades. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (header) {
    const [scheme, value] = header.split(' ')
    return scheme?.toLowerCase() === 'bearer' && value ? value : undefined
  }
  if (request.headers.upgrade?.toLowerCase() === 'websocket') {
    const token = (request.query as Record<string, unknown> | undefined)?.token
    return typeof token === 'string' ? token : undefined
  }
  return undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler: verify the bearer token and set `request.user`; 401 problem otherwise. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    /**
     * Verify a raw token, revocation mark included (used for WebSocket upgrades).
     *
     * @throws TokenVerificationError (`invalid`, `expired`, `revoked`, `keys-unavailable`)
     */
    verifyAccessToken: (token: string) => Promise<AccessClaims>
    /** Verify a raw token's signature and claims only, without the revocation mark (the gateway). */
    verifyTokenSignature: (token: string) => Promise<AccessClaims>
  }
  interface FastifyRequest {
    /** The verified claims; set by `authenticate`. */
    user?: AccessClaims
  }
}

/**
 * Verify `token` and turn failures into the catalogue's HTTP errors.
 *
 * @throws Unauthorized (401) for missing/invalid/expired tokens, Unavailable (503) when keys cannot be fetched
 */
export async function verifyOrThrow(
  verify: (t: string) => Promise<AccessClaims>,
  token: string | undefined,
): Promise<AccessClaims> {
  if (!token) throw new Unauthorized('send an access token as "Authorization: Bearer <token>"')
  try {
    return await verify(token)
  } catch (err) {
    if (err instanceof TokenVerificationError && err.failure === 'keys-unavailable') {
      throw new Unavailable('cannot verify access tokens right now; try again shortly')
    }
    const failure = err instanceof TokenVerificationError ? err.failure : 'invalid'
    throw new Unauthorized(
      failure === 'expired'
        ? 'the access token has expired; refresh it'
        : failure === 'revoked'
          ? 'the access token was revoked (signed out everywhere, password changed or account suspended); sign in again'
          : 'the access token is invalid',
    )
  }
}

/**
 * Fastify plugin decorating `authenticate`, `verifyAccessToken` (both with the revocation mark,
 * when the instance has `app.redis` — looked up at request time, so it may be decorated after
 * this plugin) and `verifyTokenSignature`.
 */
export const jwtAuth = fp<JwtOptions>(
  async function jwtAuth(app: FastifyInstance, opts) {
    const verify = createAccessTokenVerifier(opts)
    const marks = new RevocationCache(() => (app.hasDecorator('redis') ? app.redis : undefined), {
      ...(opts.revocationCacheMs !== undefined ? { ttlMs: opts.revocationCacheMs } : {}),
    })
    const verifyLive = async (token: string): Promise<AccessClaims> => {
      const claims = await verify(token)
      let mark: number | null = null
      try {
        mark = await marks.markOf(claims.sub)
      } catch (err) {
        // Availability over strictness (src/revocation.ts): a Redis outage is not a full outage.
        app.log.warn({ err }, 'cannot read the revocation mark; accepting the signed token')
      }
      if (isRevoked(claims, mark)) throw new TokenVerificationError('revoked', 'the token was revoked')
      return claims
    }
    app.decorateRequest('user', undefined)
    app.decorate('verifyAccessToken', verifyLive)
    app.decorate('verifyTokenSignature', verify)
    app.decorate('authenticate', async (request: FastifyRequest) => {
      request.user = await verifyOrThrow(verifyLive, bearerToken(request))
    })
  },
  { name: '@kelmah/jwt-auth' },
)

/**
 * preHandler factory: only these roles may pass (403 otherwise). Use after `authenticate`.
 */
export function requireRole(...roles: AccessClaims['role'][]) {
  return async (request: FastifyRequest) => {
    if (!request.user) throw new Unauthorized('no authenticated user')
    if (!roles.includes(request.user.role))
      throw new Forbidden(`only ${roles.join(' or ')} accounts may do this`)
  }
}

/** preHandler: the account's email must be verified (403 otherwise). Use after `authenticate`. */
export async function requireVerifiedEmail(request: FastifyRequest): Promise<void> {
  if (!request.user) throw new Unauthorized('no authenticated user')
  if (!request.user.emailVerified) throw new Forbidden('verify your email address first')
}
