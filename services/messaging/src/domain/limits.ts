/**
 * Per-socket frame limits (pure): one token bucket per kind of client frame, and one more for
 * refused frames. A frame of a kind whose bucket is empty is refused with an `error` frame
 * (`rate_limited`, code `MSG_ERR_FRAME_RATE_LIMITED`, `retryAfterMs`); a socket that keeps
 * sending refused or invalid frames until its `refused` bucket is empty is closed with 1008
 * (policy violation). Buckets hold `burst` tokens and refill `perSecond` tokens a second
 * (the classic token bucket: short bursts pass, the sustained rate is bounded).
 *
 * The limits are one configuration variable, `WS_FRAME_LIMITS`: `kind=burst/perSecond` pairs
 * separated by commas; kinds not named keep {@link DEFAULT_FRAME_LIMITS}. The per-user message
 * rate across instances (`MESSAGE_RATE_MAX`, Redis) applies on top of the `chat` bucket.
 */
import type { ClientFrame } from './frames.js'

/** The kinds of client frames, each with its own bucket, plus `refused` (see the module doc). */
export const FRAME_KINDS = [
  'chat',
  'typing',
  'read',
  'presence',
  'join',
  'ping',
  'call',
  'signal',
  'refused',
] as const
/** A bucket's kind. */
export type FrameKind = (typeof FRAME_KINDS)[number]

/** One bucket's size and refill rate. */
export interface BucketSpec {
  /** Tokens when full: the longest burst. */
  burst: number
  /** Tokens added per second: the sustained rate. */
  perSecond: number
}

/** A bucket per kind. */
export type FrameLimits = Record<FrameKind, BucketSpec>

/**
 * The defaults: generous for what a person does (typing on every keystroke, a call's ICE
 * candidates in a burst), tight for what only a script does (presence polling).
 */
export const DEFAULT_FRAME_LIMITS: FrameLimits = {
  chat: { burst: 20, perSecond: 5 },
  typing: { burst: 40, perSecond: 10 },
  read: { burst: 20, perSecond: 5 },
  presence: { burst: 10, perSecond: 1 },
  join: { burst: 30, perSecond: 5 },
  ping: { burst: 10, perSecond: 1 },
  call: { burst: 20, perSecond: 2 },
  signal: { burst: 300, perSecond: 50 },
  refused: { burst: 100, perSecond: 10 },
}

/** The default `WS_FRAME_LIMITS` text. */
export const DEFAULT_FRAME_LIMITS_SPEC = FRAME_KINDS.map(
  (k) => `${k}=${DEFAULT_FRAME_LIMITS[k].burst}/${DEFAULT_FRAME_LIMITS[k].perSecond}`,
).join(',')

/**
 * Parse a `WS_FRAME_LIMITS` value (`typing=40/10,presence=10/0.5`); kinds left out keep the
 * defaults. An empty string means the defaults.
 *
 * @throws RangeError naming the bad part (unknown kind, burst not a whole number ≥ 1, rate not > 0)
 */
export function parseFrameLimits(spec: string): FrameLimits {
  const limits: FrameLimits = { ...DEFAULT_FRAME_LIMITS }
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([a-z]+)=(\d+)\/(\d+(?:\.\d+)?)$/.exec(part)
    if (!m) throw new RangeError(`"${part}" is not kind=burst/perSecond`)
    const kind = m[1] as FrameKind
    if (!FRAME_KINDS.includes(kind)) throw new RangeError(`"${m[1]}" is not one of ${FRAME_KINDS.join(', ')}`)
    const burst = Number(m[2])
    const perSecond = Number(m[3])
    if (burst < 1) throw new RangeError(`${kind}: burst must be at least 1`)
    if (perSecond <= 0) throw new RangeError(`${kind}: perSecond must be above 0`)
    limits[kind] = { burst, perSecond }
  }
  return limits
}

/** The bucket a client frame type draws from. */
export function kindOf(type: ClientFrame['type']): Exclude<FrameKind, 'refused'> {
  switch (type) {
    case 'chat':
    case 'send_message':
      return 'chat'
    case 'typing_start':
    case 'typing_stop':
      return 'typing'
    case 'mark_read':
      return 'read'
    case 'get_online_status':
      return 'presence'
    case 'join_conversation':
    case 'leave_conversation':
      return 'join'
    case 'ping':
      return 'ping'
    case 'offer':
    case 'answer':
    case 'ice_candidate':
      return 'signal'
    case 'call_invite':
    case 'call_accept':
    case 'call_decline':
    case 'call_end':
    case 'call_upgrade':
    case 'call_upgrade_accept':
    case 'call_upgrade_decline':
      return 'call'
  }
}

/** A token bucket; time is given in epoch milliseconds by the caller. */
export class TokenBucket {
  #tokens: number
  #at: number

  constructor(
    private readonly spec: BucketSpec,
    nowMs: number,
  ) {
    this.#tokens = spec.burst
    this.#at = nowMs
  }

  /**
   * Take one token at `nowMs`.
   *
   * @returns 0 when taken, else the milliseconds until one is available (nothing taken)
   */
  take(nowMs: number): number {
    const elapsed = Math.max(0, nowMs - this.#at)
    this.#tokens = Math.min(this.spec.burst, this.#tokens + (elapsed * this.spec.perSecond) / 1000)
    this.#at = nowMs
    if (this.#tokens >= 1) {
      this.#tokens -= 1
      return 0
    }
    return Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / this.spec.perSecond))
  }
}

/** The buckets of one socket (made lazily, per kind). */
export class FrameLimiter {
  readonly #buckets = new Map<FrameKind, TokenBucket>()

  constructor(private readonly limits: FrameLimits) {}

  /** Take a token of `kind` at `nowMs`. @returns 0 when allowed, else ms to wait */
  take(kind: FrameKind, nowMs: number): number {
    let b = this.#buckets.get(kind)
    if (!b) {
      b = new TokenBucket(this.limits[kind], nowMs)
      this.#buckets.set(kind, b)
    }
    return b.take(nowMs)
  }

  /** Count a refused or invalid frame. @returns true when the socket is abusive (its `refused` bucket is empty) */
  refuse(nowMs: number): boolean {
    return this.take('refused', nowMs) > 0
  }
}
