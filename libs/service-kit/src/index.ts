/**
 * `@kelmah/service-kit` — what every Kelmah process shares: `buildService()` (Fastify, pino with
 * request ids, problem details, health, JWT verification, OpenAPI, MongoDB, Redis, bus + outbox),
 * `runService()` (listen + graceful shutdown) and `loadConfig()` (ajv-checked env).
 */
export * from './build-service.js'
export * from './config.js'
export * from './cli.js'
export * from './errors.js'
export * from './problem.js'
export * from './client-errors.js'
export * from './auth.js'
export * from './health.js'
export * from './metrics.js'
export * from './trace.js'
export * from './request-id.js'
export * from './run.js'
export * from './pagination.js'
export * from './store.js'
export * from './service-shape.js'
export * from './audit.js'
export * from './revocation.js'
export * from './write-behind.js'
