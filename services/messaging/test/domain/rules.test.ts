import t from 'tap'
import {
  canonicalPair,
  contentProblem,
  conversationKey,
  otherParticipant,
  previewOf,
} from '../../src/domain/conversation.js'
import { notificationId, notificationsFor } from '../../src/domain/notifications.js'

t.test('conversation keys are the same from either side and per job', async (t) => {
  t.equal(conversationKey('b', 'a'), 'a|b|-')
  t.equal(conversationKey('a', 'b', 'job-1'), conversationKey('b', 'a', 'job-1'))
  t.not(conversationKey('a', 'b'), conversationKey('a', 'b', 'job-1'))
  t.same(canonicalPair('z', 'a'), ['a', 'z'])
  t.throws(() => canonicalPair('a', 'a'), RangeError)
  t.equal(otherParticipant(['a', 'b'], 'a'), 'b')
  t.equal(otherParticipant(['a', 'b'], 'c'), undefined)
})

t.test(
  'message text rules: not blank, at most the limit in characters; previews are 140 characters',
  async (t) => {
    t.equal(contentProblem(' \n ', 10), 'is empty')
    t.equal(contentProblem('👋'.repeat(10), 10), null, 'emoji count as one character each')
    t.match(contentProblem('x'.repeat(11), 10), /longer than 10/)
    t.equal([...previewOf('é'.repeat(200))].length, 140)
  },
)

t.test('notifications: who hears about what', async (t) => {
  const base = { contractId: 'k', jobId: 'j', hirerId: 'h', workerId: 'w' }
  t.same(
    notificationsFor({
      type: 'ApplicationSubmitted',
      data: { applicationId: 'a', jobId: 'j', jobTitle: 'T', hirerId: 'h', workerId: 'w' },
    }).map((n) => [n.recipientId, n.kind]),
    [['h', 'application_received']],
  )
  t.same(
    notificationsFor({
      type: 'ApplicationAccepted',
      data: { applicationId: 'a', jobId: 'j', jobTitle: 'T', hirerId: 'h', workerId: 'w', contractId: 'k' },
    }).map((n) => n.recipientId),
    ['w'],
  )
  t.same(
    notificationsFor({ type: 'ContractSigned', data: { ...base, title: 'T' } }).map((n) => n.recipientId),
    ['h', 'w'],
  )
  t.same(
    notificationsFor({ type: 'MilestoneSubmitted', data: { ...base, milestoneId: 'm', title: 'M' } }).map(
      (n) => n.recipientId,
    ),
    ['h'],
  )
  t.same(
    notificationsFor({ type: 'MilestoneApproved', data: { ...base, milestoneId: 'm', title: 'M' } }).map(
      (n) => n.recipientId,
    ),
    ['w'],
  )
  t.equal(notificationId('e1', 'u1'), 'e1:u1')
})
