/**
 * Configuration: one env schema per service, checked at boot with ajv (through `env-schema`).
 * A missing or bad variable stops the process with a message naming it
 * (docs/conventions.md, Configuration). Peers are `<NAME>_SERVICE_URL`. Nothing branches on
 * `NODE_ENV`.
 */
import envSchema from 'env-schema'
import addFormatsModule from 'ajv-formats'
import Type, { type Static, type TObject, type TProperties } from 'typebox'

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: unknown,
) => unknown

/** Thrown at boot when the environment does not satisfy the service's config schema. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

/** Variables every service shares. Defaults are for one developer machine (docs/architecture.md, Gateway). */
export const baseConfig = {
  HOST: Type.String({ default: '127.0.0.1' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** Milliseconds a graceful shutdown may take before the process is forced out. */
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 0, default: 10_000 }),
  /** Issuer and audience every access token must carry. */
  JWT_ISSUER: Type.String({ default: 'kelmah-auth' }),
  JWT_AUDIENCE: Type.String({ default: 'kelmah' }),
  /**
   * Port of the Prometheus `/metrics` listener, apart from `PORT` so that it is never public
   * (src/metrics.ts; 9464 in k8s/ and docker-compose.yml). 0 = no listener (the default: on one
   * developer machine every app would want the same port).
   */
  METRICS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
} satisfies TProperties

/** Variables of a service that owns a database and talks on the bus. */
export const storageConfig = {
  MONGO_URL: Type.String({
    pattern: '^mongodb(\\+srv)?://',
    description: 'the service database, e.g. mongodb://127.0.0.1:27017/kelmah_auth',
  }),
  AMQP_URL: Type.String({ pattern: '^amqps?://', default: 'amqp://guest:guest@127.0.0.1:5672' }),
  REDIS_URL: Type.String({ pattern: '^rediss?://', default: 'redis://127.0.0.1:6379' }),
  /**
   * Type of every queue the bus declares (main, retry, DLQ): `classic`, or `quorum` for a
   * RabbitMQ cluster (≥ 3.10; the prod overlay sets it). An existing queue keeps its type — see
   * docs/operations.md before switching.
   */
  AMQP_QUEUE_TYPE: Type.Union([Type.Literal('classic'), Type.Literal('quorum')], { default: 'classic' }),
  /** Where services fetch the auth service's public keys. */
  JWT_JWKS_URL: Type.String({
    format: 'uri',
    default: 'http://127.0.0.1:3001/api/auth/.well-known/jwks.json',
  }),
} satisfies TProperties

/**
 * Read and check configuration from `env` against `schema`, applying defaults and coercing
 * numbers and booleans.
 *
 * @param schema - a TypeBox object schema (usually `Type.Object({...baseConfig, ...storageConfig, PORT: ...})`)
 * @param env - the variables; defaults to `process.env`
 * @returns the typed, defaulted configuration
 * @throws ConfigError naming every bad or missing variable
 */
export function loadConfig<S extends TObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): Static<S> {
  try {
    return envSchema<Static<S>>({
      schema,
      data: env,
      dotenv: false,
      env: false,
      ajv: {
        customOptions(ajv) {
          addFormats(ajv)
          return ajv
        },
      },
    })
  } catch (err) {
    const errors = (
      err as { errors?: Array<{ instancePath: string; message?: string; params?: Record<string, unknown> }> }
    ).errors
    if (!errors) throw new ConfigError(`invalid configuration: ${(err as Error).message}`)
    const lines = errors.map((e) => {
      const name = (e.params?.missingProperty as string | undefined) ?? e.instancePath.replace(/^\//, '')
      return `${name}: ${e.params?.missingProperty ? 'is required' : e.message}`
    })
    throw new ConfigError(`invalid configuration — ${lines.join('; ')}`)
  }
}
