import { Types } from 'mongoose'
import t from 'tap'
import { activityAfter, activityGuard, openConversation } from '../../src/domain/conversation.js'
import {
  clientKey,
  deleteMessage,
  editMessage,
  newMessage,
  readReceipts,
  recipientOf,
} from '../../src/domain/message.js'
import type { MessageDoc } from '../../src/models/message.js'

const ctx = { producer: 'messaging' as const, correlationId: 'req-1' }
const at = new Date('2025-01-02T03:04:05.000Z')

t.test('openConversation: canonical pair, key, ConversationCreated with the context', async (t) => {
  const id = new Types.ObjectId()
  const { doc, events } = openConversation({ id, me: 'b', other: 'a', jobId: 'j1', createdBy: 'b' }, at, ctx)
  t.same(doc.participantIds, ['a', 'b'])
  t.equal(doc.key, 'a|b|j1')
  t.equal(doc.lastActivityAt, at)
  t.equal(events.length, 1)
  t.match(events[0], {
    type: 'ConversationCreated',
    producer: 'messaging',
    correlationId: 'req-1',
    data: { conversationId: id.toHexString(), participantIds: ['a', 'b'], jobId: 'j1', createdBy: 'b' },
  })
  t.throws(() => openConversation({ id, me: 'a', other: 'a', jobId: null, createdBy: 'a' }, at, ctx), {
    code: 'MSG_ERR_SELF_CONVERSATION',
  })
})

t.test('newMessage: dedupe keys, MessageSent only for messages to a user, the last message', async (t) => {
  const id = new Types.ObjectId()
  const text = newMessage(
    { senderId: 'a', recipientId: 'b', type: 'text', content: 'hi', clientId: 'c1' },
    id,
    'conv',
    at,
    ctx,
  )
  t.equal(text.doc.dedupeKey, clientKey('a', 'c1'))
  t.match(text.events, [
    { type: 'MessageSent', data: { messageId: id.toHexString(), preview: 'hi', recipientId: 'b' } },
  ])
  t.same(text.last, { id: id.toHexString(), senderId: 'a', type: 'text', preview: 'hi', createdAt: at })
  const plain = newMessage(
    { senderId: 'a', recipientId: 'b', type: 'text', content: 'x' },
    id,
    'conv',
    at,
    ctx,
  )
  t.equal(plain.doc.dedupeKey, `m:${id.toHexString()}`)
  const system = newMessage(
    { senderId: 'system', recipientId: null, type: 'system', content: 'signed', dedupeKey: 'e1:conv' },
    id,
    'conv',
    at,
    ctx,
  )
  t.equal(system.doc.dedupeKey, 'e1:conv')
  t.same(system.events, [])
  const file = { id: 'f', filename: 'plan.pdf', contentType: 'application/pdf', size: 3 }
  const attachment = newMessage(
    { senderId: 'a', recipientId: 'b', type: 'attachment', content: '', attachment: file },
    id,
    'conv',
    at,
    ctx,
  )
  t.equal(attachment.last.preview, 'plan.pdf')
  t.match(attachment.events, [{ data: { preview: 'plan.pdf', type: 'attachment' } }])
})

t.test('recipientOf refuses a stranger', async (t) => {
  t.equal(recipientOf({ participantIds: ['a', 'b'] }, 'a'), 'b')
  t.throws(() => recipientOf({ participantIds: ['a', 'b'] }, 'c'), { code: 'MSG_ERR_CONVERSATION_NOT_FOUND' })
})

t.test('edits and deletes: only the sender, never deleted, system or call messages', async (t) => {
  const msg = {
    _id: new Types.ObjectId(),
    senderId: 'a',
    type: 'text',
    content: 'hi',
    deletedAt: null,
  } as unknown as MessageDoc
  t.same(editMessage(msg, 'a', 'hello', 10, at), { set: { content: 'hello', editedAt: at } })
  t.throws(() => editMessage(msg, 'a', '   ', 10, at), { code: 'MSG_ERR_BAD_CONTENT' })
  t.throws(() => editMessage(msg, 'b', 'x', 10, at), { code: 'MSG_ERR_NOT_SENDER' })
  t.same(editMessage({ ...msg, type: 'attachment' }, 'a', '', 10, at), { set: { content: '', editedAt: at } })
  t.same(deleteMessage(msg, 'a', at), { set: { deletedAt: at, content: '' } })
  t.throws(() => deleteMessage({ ...msg, deletedAt: at }, 'a', at), { code: 'MSG_ERR_MESSAGE_IMMUTABLE' })
  t.throws(() => editMessage({ ...msg, type: 'call' }, 'a', 'x', 10, at), {
    code: 'MSG_ERR_MESSAGE_IMMUTABLE',
  })
})

t.test('read receipts: one per sender, with the conversations', async (t) => {
  const [m1, m2, m3] = [new Types.ObjectId(), new Types.ObjectId(), new Types.ObjectId()]
  t.same(
    readReceipts([
      { _id: m1, senderId: 'a', conversationId: 'c1' },
      { _id: m2, senderId: 'b', conversationId: 'c2' },
      { _id: m3, senderId: 'a', conversationId: 'c3' },
    ]),
    [
      { senderId: 'a', messageIds: [m1.toHexString(), m3.toHexString()], conversationIds: ['c1', 'c3'] },
      { senderId: 'b', messageIds: [m2.toHexString()], conversationIds: ['c2'] },
    ],
  )
})

t.test('the list position only moves forward', async (t) => {
  const last = { id: 'm', senderId: 'a', type: 'text', preview: 'hi', createdAt: at }
  t.same(activityAfter(last), { set: { lastActivityAt: at, lastMessage: last } })
  t.same(activityGuard(at), { lastActivityAt: { $lte: at } })
})
