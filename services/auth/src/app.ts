/**
 * `buildApp()`: the auth service's Fastify instance — service-kit's shared mechanisms plus the
 * auth routes under `/api/auth`. Never listens (see `server.ts`); tests call it directly.
 */
import { hkdfSync } from 'node:crypto'
import {
  AuditLog,
  auditRoutes,
  buildService,
  revokeTokens,
  serviceOptions,
  type AppOptions,
  type KelmahApp,
} from '@kelmah/service-kit'
import type { FastifyRequest } from 'fastify'
import type { AuthConfig } from './config.js'
import { privateKeyPem, trustProxyOf } from './config.js'
import type { LockoutPolicy } from './domain/lockout.js'
import { SessionEnded } from './errors.js'
import { Mailer } from './mail.js'
import { sessionModels } from './models/session.js'
import { userModel, type UserDoc } from './models/user.js'
import { PasswordHasher, type Argon2Params } from './passwords.js'
import { adminRoutes } from './routes/admin.js'
import type { RouteOptions } from './routes/context.js'
import { jwksRoutes } from './routes/jwks.js'
import { meRoutes } from './routes/me.js'
import { otpRoutes } from './routes/otp.js'
import { passwordChangeRoutes, passwordRoutes } from './routes/password.js'
import { registerRoutes } from './routes/register.js'
import { logoutRoutes, sessionRoutes } from './routes/sessions.js'
import { Accounts } from './services/accounts.js'
import { AdminUsers } from './services/admin.js'
import { LoginThrottle } from './services/login-throttle.js'
import { OtpCodes } from './services/otp-codes.js'
import { SessionStore } from './services/sessions.js'
import { USER_STORE } from './services/users.js'
import { accessTokenSigner, jwksOf, loadSigningKey } from './tokens.js'

/** Where the auth routes live. */
export const API_PREFIX = '/api/auth'

/**
 * Options of {@link buildApp}: the configuration, service-kit's {@link AppOptions} (tests: a
 * unique database, exchange, service name, a moved clock) and the auth service's own overrides.
 * `jwks` is ignored: the service verifies tokens with its own signing key only.
 */
export type BuildAppOptions = AppOptions & {
  config: AuthConfig
  /** Signing key PEM; overrides `JWT_PRIVATE_KEY(_FILE)`. */
  privateKeyPem?: string
  /** Overrides `config.SMTP_URL`. */
  smtpUrl?: string
  /** Overrides `config.REDIS_KEY_PREFIX` (tests use a unique one). */
  redisKeyPrefix?: string
  /** Overrides of the code rules: lifetime (s), wrong guesses allowed, mail cooldown (s). */
  otp?: Partial<{ ttlS: number; maxAttempts: number; resendCooldownS: number }>
  /** Overrides of the lockout policy. */
  lockout?: Partial<LockoutPolicy>
  /** Overrides the argon2id cost (tests use a tiny one). */
  argon2?: Argon2Params
}

/**
 * Build the auth service: connects MongoDB and Redis, ensures indexes, and registers every
 * route. The bus and the outbox relay start on `ready()`.
 *
 * @throws ConfigError for a bad signing key; Error when MongoDB or Redis cannot be reached
 */
export async function buildApp(opts: BuildAppOptions): Promise<KelmahApp> {
  const { config } = opts
  const key = loadSigningKey(opts.privateKeyPem ?? privateKeyPem(config), config.JWT_KID)
  const jwks = jwksOf(key)
  const app = await buildService(
    serviceOptions('auth', config, opts, {
      // Zero trust: the service checks its own tokens with the same verifier as every other service.
      auth: {
        jwks: { keys: jwks.keys.map((k) => ({ ...k })) },
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        // Auth sets the marks: it reads them fresh (no 1 s reuse), so its own answers agree at once.
        revocationCacheMs: 0,
      },
      openapi: { title: 'Kelmah auth', description: 'Accounts, sessions and tokens.' },
      trustProxy: trustProxyOf(config),
    }),
  )
  try {
    const now = app.now
    const User = userModel(app.mongo)
    const sessionStore = sessionModels(app.mongo)
    await Promise.all([User.init(), ...Object.values(sessionStore).map((m) => m.init())])
    const users = app.store<UserDoc>(User, USER_STORE)

    const mailer = new Mailer({
      url: opts.smtpUrl ?? config.SMTP_URL,
      from: config.MAIL_FROM,
      logger: app.log,
    })
    app.addHook('onClose', () => mailer.close())

    const otpPolicy = {
      ttlMs: (opts.otp?.ttlS ?? config.OTP_TTL_S) * 1000,
      maxAttempts: opts.otp?.maxAttempts ?? config.OTP_MAX_ATTEMPTS,
    }
    const prefix = opts.redisKeyPrefix ?? config.REDIS_KEY_PREFIX
    // The revocation mark and notice (@kelmah/service-kit src/revocation.ts): real time, not the
    // service clock, because access tokens carry real issue times.
    const tokenTtlMs = config.ACCESS_TOKEN_TTL_S * 1000
    const revoke = async (userId: string) => {
      await revokeTokens(app.redis, userId, { tokenTtlMs })
    }
    const accounts = new Accounts({
      users,
      sessions: new SessionStore(sessionStore, { ttlMs: config.REFRESH_TOKEN_TTL_S * 1000, now }),
      otp: new OtpCodes({
        users,
        redis: app.redis,
        prefix,
        policy: otpPolicy,
        cooldownS: opts.otp?.resendCooldownS ?? config.OTP_RESEND_COOLDOWN_S,
        // A key of its own for code hashes, derived from the signing key (RFC 5869 HKDF).
        hmacKey: Buffer.from(
          hkdfSync(
            'sha256',
            key.privateKey.export({ type: 'pkcs8', format: 'der' }),
            'kelmah-auth',
            'otp-hmac',
            32,
          ),
        ),
        mailer,
        now,
      }),
      throttle: new LoginThrottle(app.redis, prefix, {
        maxFailures: opts.lockout?.maxFailures ?? config.LOGIN_MAX_FAILURES,
        windowS: opts.lockout?.windowS ?? config.LOGIN_FAILURE_WINDOW_S,
        lockoutS: opts.lockout?.lockoutS ?? config.LOGIN_LOCKOUT_S,
        baseDelayS: opts.lockout?.baseDelayS ?? 1,
        accountCeiling: opts.lockout?.accountCeiling ?? config.LOGIN_ACCOUNT_CEILING,
        accountMaxSpacingS: opts.lockout?.accountMaxSpacingS ?? config.LOGIN_ACCOUNT_MAX_SPACING_S,
      }),
      hasher: new PasswordHasher(
        opts.argon2 ?? {
          memoryCost: config.ARGON2_MEMORY_KIB,
          timeCost: config.ARGON2_TIME_COST,
          parallelism: config.ARGON2_PARALLELISM,
        },
      ),
      signAccessToken: accessTokenSigner(key, {
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        ttlS: config.ACCESS_TOKEN_TTL_S,
      }),
      revokeTokens: revoke,
      loginAlert: (email) => mailer.sendLoginAlert(email),
      now,
      log: app.log,
    })
    const audit = new AuditLog(app.mongo, { now })
    const admin = new AdminUsers({ users, audit, revokeTokens: revoke, now })

    const routeOptions: RouteOptions = {
      accounts,
      jwks,
      liveSession: async (request: FastifyRequest) => {
        const user = request.user
        if (!user?.sid || !(await accounts.sessionIsLive(user.sid, user.sub))) throw new SessionEnded()
      },
    }
    await app.register(
      async (scope) => {
        for (const routes of [
          registerRoutes,
          otpRoutes,
          sessionRoutes,
          passwordRoutes,
          jwksRoutes,
          logoutRoutes,
          meRoutes,
          passwordChangeRoutes,
        ]) {
          await scope.register(routes, routeOptions)
        }
        await scope.register(adminRoutes, { admin })
      },
      { prefix: API_PREFIX },
    )
    await app.register(auditRoutes, { service: 'auth', log: audit })
    return app
  } catch (err) {
    await app.close()
    throw err
  }
}
