/**
 * The WebSocket protocol's client frames (pure parsing and validation). Every frame is a JSON
 * object `{type, …}`; the marketplace chat's own shapes are accepted exactly as written
 * (docs/architecture.md, WebSocket protocol): `{"type":"chat","recipientId":"…","message":"Hello world"}`,
 * `{"type":"mark_read","messageIds":[…]}`, `{"type":"typing_start","recipientId":"…"}`.
 *
 * A bad frame never throws: {@link parseFrame} returns `{error}` with a machine `reason`, which the
 * hub answers as an `error` frame while the connection stays open.
 */

/** Why a frame was refused (the `reason` of an `error` frame). */
export type FrameErrorReason = 'frame_too_large' | 'invalid_json' | 'unknown_type' | 'invalid_frame'

/** A refused frame. */
export interface FrameError {
  reason: FrameErrorReason
  message: string
  /** The frame's `type`, when it had one. */
  ref?: string
  /** The client's correlation id, echoed back when the frame carried one. */
  clientId?: string
}

const MAX_ID = 128
const MAX_IDS = 200
const MAX_SIGNAL = 32 * 1024

/** Optional correlation id a client may attach to any frame (`clientId` or `tempId`). */
interface Correlated {
  clientId?: string
}

/** Where a frame is aimed: a conversation, or the direct conversation with a user. */
export type Target = { conversationId: string } | { recipientId: string }

/** A valid client frame. */
export type ClientFrame = Correlated &
  (
    | { type: 'chat'; recipientId: string; message: string }
    | { type: 'send_message'; conversationId: string; content: string }
    | { type: 'join_conversation'; conversationId: string }
    | { type: 'leave_conversation'; conversationId: string }
    | ({ type: 'typing_start' | 'typing_stop' } & Target)
    | { type: 'mark_read'; messageIds: string[] }
    | { type: 'get_online_status'; userIds: string[] }
    | { type: 'ping' }
    | { type: 'call_invite'; conversationId: string; media: 'audio' | 'video' }
    | {
        type: 'call_accept' | 'call_decline' | 'call_end' | 'call_upgrade_accept' | 'call_upgrade_decline'
        callId: string
      }
    | { type: 'call_upgrade'; callId: string; media: 'video' }
    | { type: 'offer' | 'answer'; callId: string; sdp: unknown }
    | { type: 'ice_candidate'; callId: string; candidate: unknown }
  )

/** Every client frame type. */
export const CLIENT_FRAME_TYPES = [
  'chat',
  'send_message',
  'join_conversation',
  'leave_conversation',
  'typing_start',
  'typing_stop',
  'mark_read',
  'get_online_status',
  'ping',
  'call_invite',
  'call_accept',
  'call_decline',
  'call_end',
  'call_upgrade',
  'call_upgrade_accept',
  'call_upgrade_decline',
  'offer',
  'answer',
  'ice_candidate',
] as const

type Obj = Record<string, unknown>

const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_ID
const isIdList = (v: unknown): v is string[] =>
  Array.isArray(v) && v.length > 0 && v.length <= MAX_IDS && v.every(isId)

/** Size of a JSON value once serialised (bounds relayed SDP/ICE payloads). */
function jsonSize(v: unknown): number {
  try {
    return JSON.stringify(v)?.length ?? 0
  } catch {
    return Infinity
  }
}

/**
 * Parse one text frame.
 *
 * @param raw - the frame's bytes or text
 * @param maxBytes - frames larger than this are refused with `frame_too_large` (unparsed)
 */
export function parseFrame(
  raw: string | Buffer,
  maxBytes: number,
): { frame: ClientFrame } | { error: FrameError } {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length
  if (size > maxBytes)
    return { error: { reason: 'frame_too_large', message: `frames may be at most ${maxBytes} bytes` } }
  let value: unknown
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'))
  } catch {
    return { error: { reason: 'invalid_json', message: 'frames must be JSON objects' } }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: { reason: 'invalid_json', message: 'frames must be JSON objects' } }
  }
  const o = value as Obj
  const cid = o.clientId ?? o.tempId
  const clientId = typeof cid === 'string' && cid.length <= MAX_ID ? cid : undefined
  const type = o.type
  if (typeof type !== 'string' || !(CLIENT_FRAME_TYPES as readonly string[]).includes(type)) {
    return {
      error: {
        reason: 'unknown_type',
        message: `unknown frame type ${JSON.stringify(typeof type === 'string' ? type.slice(0, 40) : (type ?? null))}`,
        ...(clientId ? { clientId } : {}),
      },
    }
  }
  const bad = (message: string) => ({
    error: { reason: 'invalid_frame' as const, message, ref: type, ...(clientId ? { clientId } : {}) },
  })
  const withId = <F extends ClientFrame>(f: F): { frame: ClientFrame } => ({
    frame: clientId ? { ...f, clientId } : f,
  })

  switch (type) {
    case 'chat':
      if (!isId(o.recipientId)) return bad('recipientId is required')
      if (typeof o.message !== 'string') return bad('message must be a string')
      return withId({ type, recipientId: o.recipientId, message: o.message })
    case 'send_message':
      if (!isId(o.conversationId)) return bad('conversationId is required')
      if (typeof o.content !== 'string') return bad('content must be a string')
      return withId({ type, conversationId: o.conversationId, content: o.content })
    case 'join_conversation':
    case 'leave_conversation':
      if (!isId(o.conversationId)) return bad('conversationId is required')
      return withId({ type, conversationId: o.conversationId })
    case 'typing_start':
    case 'typing_stop':
      if (isId(o.conversationId)) return withId({ type, conversationId: o.conversationId })
      if (isId(o.recipientId)) return withId({ type, recipientId: o.recipientId })
      return bad('recipientId or conversationId is required')
    case 'mark_read':
      if (!isIdList(o.messageIds)) return bad(`messageIds must be a list of 1 to ${MAX_IDS} ids`)
      return withId({ type, messageIds: [...new Set(o.messageIds)] })
    case 'get_online_status':
      if (!isIdList(o.userIds)) return bad(`userIds must be a list of 1 to ${MAX_IDS} ids`)
      return withId({ type, userIds: [...new Set(o.userIds)] })
    case 'ping':
      return withId({ type })
    case 'call_invite':
      if (!isId(o.conversationId)) return bad('conversationId is required')
      if (o.media !== 'audio' && o.media !== 'video') return bad('media must be "audio" or "video"')
      return withId({ type, conversationId: o.conversationId, media: o.media })
    case 'call_upgrade':
      if (!isId(o.callId)) return bad('callId is required')
      if ((o.media ?? 'video') !== 'video') return bad('media must be "video"')
      return withId({ type, callId: o.callId, media: 'video' })
    case 'offer':
    case 'answer':
      if (!isId(o.callId)) return bad('callId is required')
      if (o.sdp === undefined || o.sdp === null) return bad('sdp is required')
      if (jsonSize(o.sdp) > MAX_SIGNAL) return bad('sdp is too large')
      return withId({ type, callId: o.callId, sdp: o.sdp })
    case 'ice_candidate':
      if (!isId(o.callId)) return bad('callId is required')
      if (o.candidate === undefined) return bad('candidate is required')
      if (jsonSize(o.candidate) > MAX_SIGNAL) return bad('candidate is too large')
      return withId({ type, callId: o.callId, candidate: o.candidate })
    default:
      // call_accept, call_decline, call_end, call_upgrade_accept, call_upgrade_decline
      if (!isId(o.callId)) return bad('callId is required')
      return withId({ type: type as 'call_accept', callId: o.callId })
  }
}
