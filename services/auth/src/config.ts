/**
 * The auth service's configuration: one env schema, checked at boot (docs/conventions.md,
 * Configuration). A missing or bad variable stops the process with a message naming it.
 */
import { readFileSync } from 'node:fs'
import { baseConfig, ConfigError, loadConfig, storageConfig } from '@kelmah/service-kit'
import Type, { type Static } from 'typebox'

const PositiveInt = (def: number, description: string) =>
  Type.Integer({ minimum: 1, default: def, description })

/**
 * Argon2id cost variables. Defaults are OWASP's first recommended configuration for argon2id
 * (m = 19 MiB, t = 2, p = 1).
 *
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id
 */
export const argon2Config = {
  ARGON2_MEMORY_KIB: PositiveInt(19_456, 'argon2id memory cost in KiB'),
  ARGON2_TIME_COST: PositiveInt(2, 'argon2id passes'),
  ARGON2_PARALLELISM: PositiveInt(1, 'argon2id lanes'),
}

/** Env schema of the auth service. */
export const AuthConfigSchema = Type.Object({
  ...baseConfig,
  ...storageConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: 3001 }),
  SMTP_URL: Type.String({ pattern: '^smtps?://', default: 'smtp://127.0.0.1:1025' }),
  MAIL_FROM: Type.String({ minLength: 3, default: 'Kelmah <no-reply@kelmah.local>' }),
  /** Path of the ES256 (P-256) private key, PEM. One of this and JWT_PRIVATE_KEY is required. */
  JWT_PRIVATE_KEY_FILE: Type.Optional(Type.String({ minLength: 1 })),
  /** The ES256 (P-256) private key as PEM text (newlines may be written as `\n`). */
  JWT_PRIVATE_KEY: Type.Optional(Type.String({ minLength: 1 })),
  /** Key id in token headers and the JWKS; derived from the public key when unset. */
  JWT_KID: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  ACCESS_TOKEN_TTL_S: PositiveInt(900, 'access-token lifetime, seconds'),
  REFRESH_TOKEN_TTL_S: PositiveInt(30 * 24 * 3600, 'refresh-token family lifetime, seconds'),
  OTP_TTL_S: PositiveInt(600, 'one-time code lifetime, seconds'),
  OTP_MAX_ATTEMPTS: PositiveInt(5, 'wrong guesses that kill a one-time code'),
  OTP_RESEND_COOLDOWN_S: PositiveInt(60, 'seconds between two code mails to one address'),
  LOGIN_MAX_FAILURES: PositiveInt(
    5,
    'failed logins of one (account, source) pair within the window before its delays start (domain/lockout.ts)',
  ),
  LOGIN_FAILURE_WINDOW_S: PositiveInt(900, 'window in which failed logins are counted, seconds'),
  LOGIN_LOCKOUT_S: PositiveInt(900, 'the longest delay of one (account, source) pair, seconds'),
  LOGIN_ACCOUNT_CEILING: PositiveInt(
    50,
    'failed logins of one account from all sources within the window before it is slowed (never locked)',
  ),
  LOGIN_ACCOUNT_MAX_SPACING_S: PositiveInt(
    30,
    'the longest spacing between attempts on a slowed account, seconds',
  ),
  /**
   * Which proxies' `X-Forwarded-For` to believe for the client IP — the login throttle's source:
   * the gateway's address or CIDR list (comma-separated), `true` for any. Empty (default): trust
   * nobody, the source is the peer address (behind a gateway every login would share one source).
   */
  TRUST_PROXY: Type.String({ default: '' }),
  /** Prefix of every Redis key this service writes (lockout counters, mail cooldowns). */
  REDIS_KEY_PREFIX: Type.String({ default: 'kelmah:auth:' }),
  ...argon2Config,
})

/** `TRUST_PROXY` in the shape Fastify's `trustProxy` takes. */
export function trustProxyOf(config: Pick<AuthConfig, 'TRUST_PROXY'>): boolean | string[] {
  const value = config.TRUST_PROXY.trim()
  if (value === '' || value === 'false') return false
  if (value === 'true') return true
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

/** The typed configuration. */
export type AuthConfig = Static<typeof AuthConfigSchema>

/**
 * Load the configuration from `env`.
 *
 * @throws ConfigError naming every bad or missing variable, or when neither JWT_PRIVATE_KEY nor
 *   JWT_PRIVATE_KEY_FILE is set
 */
export function loadAuthConfig(env: Record<string, string | undefined> = process.env): AuthConfig {
  const config = loadConfig(AuthConfigSchema, env)
  if (!config.JWT_PRIVATE_KEY && !config.JWT_PRIVATE_KEY_FILE) {
    throw new ConfigError(
      'invalid configuration — JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE is required (an ES256 P-256 private key, PEM)',
    )
  }
  return config
}

/**
 * The PEM text of the signing key named by the configuration.
 *
 * @throws ConfigError when the key file cannot be read or neither variable is set
 */
export function privateKeyPem(config: Pick<AuthConfig, 'JWT_PRIVATE_KEY' | 'JWT_PRIVATE_KEY_FILE'>): string {
  if (config.JWT_PRIVATE_KEY) return config.JWT_PRIVATE_KEY.replaceAll('\\n', '\n')
  if (!config.JWT_PRIVATE_KEY_FILE)
    throw new ConfigError('invalid configuration — JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE is required')
  try {
    return readFileSync(config.JWT_PRIVATE_KEY_FILE, 'utf8')
  } catch (err) {
    throw new ConfigError(
      `invalid configuration — JWT_PRIVATE_KEY_FILE: cannot read ${config.JWT_PRIVATE_KEY_FILE}: ${(err as Error).message}`,
    )
  }
}
