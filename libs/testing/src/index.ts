/**
 * `@kelmah/testing` — helpers for tests against the real infrastructure: where it is, unique
 * names, token minting, event probes, the mail sink, MongoDB clean-up and a TCP proxy for cutting
 * connections.
 */
export * from './env.js'
export * from './tokens.js'
export * from './mail.js'
export * from './events.js'
export * from './mongo.js'
export * from './tcp-proxy.js'
export * from './publish.js'
export * from './ws-client.js'
export * from './app.js'
export * from './fuzz.js'
