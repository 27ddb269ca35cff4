/**
 * `@kelmah/contracts` — the one source of truth for what crosses a service boundary: the event
 * envelope, the event catalogue (JSON Schemas and the TypeScript types derived from them) and the
 * shared API shapes.
 */
export * from './envelope.js'
export * from './events.js'
export * from './ids.js'
export * from './validate.js'
export * from './api.js'
export * from './money.js'
export * from './trace.js'
