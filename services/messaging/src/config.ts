/**
 * The messaging service's configuration: one env schema, checked at boot (docs/conventions.md, Configuration). A missing or
 * bad variable stops the process with a message naming it. Times are milliseconds unless the name
 * says `_S`; sizes are bytes.
 */
import { baseConfig, ConfigError, loadConfig, storageConfig } from '@kelmah/service-kit'
import Type, { type Static } from 'typebox'
import { DEFAULT_FRAME_LIMITS_SPEC, parseFrameLimits } from './domain/limits.js'

const PositiveInt = (def: number, description: string) =>
  Type.Integer({ minimum: 1, default: def, description })

/** Env schema of the messaging service. */
export const MessagingConfigSchema = Type.Object({
  ...baseConfig,
  ...storageConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: 3003 }),
  /** Prefix of every Redis key and pub/sub channel this service uses. */
  REDIS_KEY_PREFIX: Type.String({ default: 'kelmah:msg:' }),
  MESSAGE_MAX_CHARS: PositiveInt(5000, 'longest text message, characters'),
  /** Per-user message rate limit: at most MESSAGE_RATE_MAX messages per MESSAGE_RATE_WINDOW_S. */
  MESSAGE_RATE_MAX: PositiveInt(30, 'messages a user may send per window'),
  MESSAGE_RATE_WINDOW_S: PositiveInt(10, 'rate-limit window, seconds'),
  /** Server-side typing auto-stop: no new typing_start within this time → isTyping false. */
  TYPING_TIMEOUT_MS: PositiveInt(5000, 'typing indicator lifetime without a new typing_start'),
  /** At most one `user_typing` start is relayed per conversation per socket in this time (the rest are coalesced). */
  TYPING_RELAY_INTERVAL_MS: PositiveInt(1000, 'shortest time between two relayed typing starts'),
  /**
   * Per-socket token buckets by frame kind, `kind=burst/perSecond,…` (src/domain/limits.ts;
   * kinds not named keep their defaults; `refused` empty → the socket is closed with 1008).
   */
  WS_FRAME_LIMITS: Type.String({ default: DEFAULT_FRAME_LIMITS_SPEC, maxLength: 1000 }),
  /** Open sockets per user across every instance; one more is closed with 4029. */
  WS_MAX_SOCKETS_PER_USER: PositiveInt(10, 'concurrent sockets per user (all instances)'),
  /** How long a known user's record (active, deactivated, suspended) is served from an instance's memory. */
  DIRECTORY_CACHE_MS: Type.Integer({ minimum: 0, default: 5000, description: 'user read-model cache, ms' }),
  /** Ping every socket this often; one that did not answer the previous ping is dropped. */
  HEARTBEAT_INTERVAL_MS: PositiveInt(30_000, 'WebSocket ping interval'),
  /** Largest JSON frame accepted from a client (larger → error frame, connection stays open). */
  WS_MAX_FRAME_BYTES: PositiveInt(64 * 1024, 'largest client frame handled'),
  /** Frames past this size close the socket (1009) without being read at all. */
  WS_HARD_MAX_FRAME_BYTES: PositiveInt(1024 * 1024, 'largest client frame read'),
  /** A socket whose send buffer is over this is a slow consumer: closed with 1013. */
  WS_MAX_BUFFERED_BYTES: PositiveInt(1024 * 1024, 'send-buffer limit per socket'),
  /** How long a socket's presence entry lives without a heartbeat refresh (a crashed instance's sockets expire). */
  PRESENCE_TTL_MS: PositiveInt(90_000, 'presence entry lifetime without refresh'),
  CALL_MAX_DURATION_S: PositiveInt(4 * 3600, 'a call ends by itself after this long'),
  CALL_RING_TIMEOUT_S: PositiveInt(45, 'an unanswered invitation ends as missed after this long'),
  ATTACHMENT_MAX_BYTES: PositiveInt(10 * 1024 * 1024, 'largest attachment'),
})

/** The typed configuration. */
export type MessagingConfig = Static<typeof MessagingConfigSchema>

/**
 * Load the configuration from `env`.
 *
 * @throws ConfigError naming every bad or missing variable
 */
export function loadMessagingConfig(env: Record<string, string | undefined> = process.env): MessagingConfig {
  const config = loadConfig(MessagingConfigSchema, env)
  try {
    parseFrameLimits(config.WS_FRAME_LIMITS)
  } catch (err) {
    throw new ConfigError(`invalid configuration — WS_FRAME_LIMITS: ${(err as Error).message}`)
  }
  return config
}
