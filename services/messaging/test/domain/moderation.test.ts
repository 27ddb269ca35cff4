import { Types } from 'mongoose'
import t from 'tap'
import { checkClose, closeReport, removeMessage, snapshotOf } from '../../src/domain/moderation.js'
import type { MessageDoc } from '../../src/models/message.js'
import type { ReportClosure } from '../../src/models/safety.js'

const at = new Date('2026-12-03T09:00:00.000Z')
const sent = new Date('2026-12-03T08:00:00.000Z')

function message(over: Partial<MessageDoc> = {}): MessageDoc {
  return {
    _id: new Types.ObjectId(),
    conversationId: 'c1',
    senderId: 'bob',
    recipientId: 'ann',
    type: 'text',
    content: 'pay me off-platform',
    kind: null,
    attachment: null,
    call: null,
    dedupeKey: 'k',
    clientId: null,
    createdAt: sent,
    readAt: null,
    editedAt: null,
    deletedAt: null,
    outbox: [],
    ...over,
  }
}

const closure: ReportClosure = {
  status: 'resolved',
  by: 'admin-1',
  at,
  reason: 'fraud',
  action: 'remove_message',
  requestId: 'req-1',
}

t.test('snapshotOf keeps what the reporter saw, when they saw it', async (t) => {
  const msg = message({ editedAt: at })
  t.same(snapshotOf(msg, at), {
    id: msg._id.toHexString(),
    conversationId: 'c1',
    senderId: 'bob',
    type: 'text',
    content: 'pay me off-platform',
    attachment: null,
    createdAt: sent,
    editedAt: at,
    capturedAt: at,
  })
  t.equal(snapshotOf(message({ deletedAt: at }), at).content, '', 'a deleted message shows nothing')
})

t.test('checkClose: an open report closes once; remove_message resolves reports of messages', async (t) => {
  const ofMessage = { status: 'open' as const, messageId: 'm1' }
  const ofUser = { status: 'open' as const, messageId: null }
  t.doesNotThrow(() => checkClose(ofMessage, 'resolved', 'remove_message'))
  t.doesNotThrow(() => checkClose(ofUser, 'resolved', 'none'))
  t.doesNotThrow(() => checkClose(ofUser, 'dismissed', 'none'))
  t.throws(() => checkClose({ ...ofMessage, status: 'resolved' }, 'dismissed', 'none'), {
    code: 'MSG_ERR_REPORT_CLOSED',
    statusCode: 409,
  })
  t.throws(() => checkClose(ofUser, 'resolved', 'remove_message'), {
    code: 'MSG_ERR_ACTION_NOT_APPLICABLE',
    fieldErrors: [{ field: 'action' }],
  })
  t.throws(() => checkClose(ofMessage, 'dismissed', 'remove_message'), {
    code: 'MSG_ERR_ACTION_NOT_APPLICABLE',
    fieldErrors: [{ field: 'action' }],
  })
})

t.test('closeReport applies the one closure; applying it again changes nothing', async (t) => {
  t.same(closeReport({ status: 'open' }, closure), { set: { status: 'resolved', closure } })
  t.equal(closeReport({ status: 'resolved' }, closure), null)
  t.equal(closeReport({ status: 'dismissed' }, closure), null)
})

t.test('removeMessage empties the text, keeps an earlier delete time, and happens once', async (t) => {
  t.same(removeMessage(message(), 'admin-1', 'r1', at), {
    set: { deletedAt: at, content: '', removal: { by: 'admin-1', at, reportId: 'r1' } },
  })
  const deletedFirst = removeMessage(message({ deletedAt: sent, content: '' }), 'admin-1', 'r1', at)
  t.equal(deletedFirst?.set?.deletedAt, sent, 'the sender’s delete time stands')
  t.equal(removeMessage(message({ removal: { by: 'a', at, reportId: 'r0' } }), 'admin-1', 'r1', at), null)
})
