/**
 * The `/ws` frames, typed. Client frames mirror the messaging service's parser exactly
 * (services/messaging/src/domain/frames.ts, `ClientFrame`; the SDK's test checks the list of types
 * against its `CLIENT_FRAME_TYPES`); server frames are the ones its protocol sends
 * (services/messaging/src/realtime/protocol.ts, services/messaging/README.md "Server → client").
 * Stored messages and notifications have the REST routes' generated types.
 */
import type { paths } from './generated/schema.js'

/** A stored chat message, as `POST /api/chat/conversations/{id}/messages` answers it. */
export type ChatMessage =
  paths['/api/chat/conversations/{id}/messages']['post']['responses'][201]['content']['application/json']

/** A notification, as `GET /api/notifications/` lists it. */
export type Notification =
  paths['/api/notifications/']['get']['responses'][200]['content']['application/json']['items'][number]

/** Where a frame is aimed: a conversation, or the direct conversation with a user. */
export type FrameTarget = { conversationId: string } | { recipientId: string }

/** A frame the client sends. Any may carry `clientId`, echoed in the answer or error it causes. */
export type ClientFrame = { clientId?: string } & (
  | { type: 'chat'; recipientId: string; message: string }
  | { type: 'send_message'; conversationId: string; content: string }
  | { type: 'join_conversation'; conversationId: string }
  | { type: 'leave_conversation'; conversationId: string }
  | ({ type: 'typing_start' | 'typing_stop' } & FrameTarget)
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

/** Every client frame type (the messaging service's `CLIENT_FRAME_TYPES`). */
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
] as const satisfies ReadonlyArray<ClientFrame['type']>

/** A user's presence. */
export interface PresenceStatus {
  userId: string
  status: 'online' | 'offline' | 'in_call' | 'unknown'
}

/** The frames the server sends, by `type`. */
export interface ServerFrames {
  hello: {
    userId: string
    connectionId: string
    unreadMessages: { total: number; conversations: Array<{ conversationId: string; count: number }> }
    unreadNotifications: number
    notifications: Notification[]
  }
  message_delivered: {
    messageId: string
    conversationId: string
    createdAt: string
    timestamp: string
    clientId?: string
    tempId?: string
    duplicate?: boolean
    message: ChatMessage
  }
  new_message: { conversationId: string; message: ChatMessage }
  message_updated: { conversationId: string; message: ChatMessage }
  message_deleted: { conversationId: string; messageId: string; deletedAt: string }
  user_typing: { from: string; isTyping: boolean; conversationId?: string }
  messages_read: { messageIds: string[]; readBy: string; readAt: string; conversationIds: string[] }
  messages_marked_read: { messageIds: string[]; readAt: string }
  presence: { users: PresenceStatus[] }
  notification: { notification: Notification }
  conversation_joined: { conversationId: string }
  conversation_left: { conversationId: string }
  pong: { at: string }
  error: {
    reason: string
    message: string
    ref?: string
    code?: string
    clientId?: string
    retryAfter?: number
    retryAfterMs?: number
  }
  call_ringing: { callId: string; to: string }
  call_invite: { callId: string; conversationId: string; from: string; media: 'audio' | 'video' }
  call_accept: { callId: string; from: string; media: 'audio' | 'video' }
  call_answered_elsewhere: { callId: string }
  call_end: { callId: string; by?: string; reason?: string; outcome?: string }
  call_upgrade: { callId: string; from: string; media: 'video' }
  call_upgrade_accept: { callId: string; from?: string }
  call_upgrade_decline: { callId: string; from?: string }
  offer: { callId: string; from: string; sdp: unknown }
  answer: { callId: string; from: string; sdp: unknown }
  ice_candidate: { callId: string; from: string; candidate: unknown }
}

/** A server frame of one `type`. */
export type ServerFrameOf<T extends keyof ServerFrames> = { type: T } & ServerFrames[T]

/** Any server frame. */
export type ServerFrame = { [T in keyof ServerFrames]: ServerFrameOf<T> }[keyof ServerFrames]
