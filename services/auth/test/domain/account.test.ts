import { Types } from 'mongoose'
import t from 'tap'
import { changePassword, issueCode, register, resetPassword, verifyEmail } from '../../src/domain/account.js'
import type { UserDoc } from '../../src/models/user.js'

const now = new Date('2026-01-02T03:04:05Z')
const ctx = { producer: 'auth' as const, correlationId: 'req-1' }
const code = { hash: 'code-hash', expiresAt: new Date('2026-01-02T03:14:05Z') }

function user(over: Partial<UserDoc> = {}): UserDoc {
  return {
    _id: new Types.ObjectId(),
    email: 'ama@example.com',
    name: 'Ama',
    role: 'worker',
    passwordHash: 'old-hash',
    emailVerified: false,
    version: 3,
    createdAt: now,
    updatedAt: now,
    outbox: [],
    ...over,
  }
}

t.test('register makes the document and UserRegistered', async (t) => {
  const _id = new Types.ObjectId()
  const input = { _id, email: 'ama@example.com', name: 'Ama', role: 'hirer' as const, passwordHash: 'h' }
  const { doc, events } = register({ ...input, emailVerified: false, verifyCode: code }, now, ctx)
  t.match(doc, { ...input, emailVerified: false, emailVerifiedAt: null, otp: { verify: code }, version: 0 })
  t.match(events, [
    {
      type: 'UserRegistered',
      producer: 'auth',
      correlationId: 'req-1',
      data: { userId: String(_id), role: 'hirer' },
    },
  ])
  const admin = register({ ...input, role: 'admin', emailVerified: true }, now, ctx).doc
  t.same(admin.emailVerifiedAt, now, 'a verified account records when')
  t.notOk('otp' in admin, 'no code without one')
})

t.test('verifyEmail sets the flag, removes the code and causes EmailVerified', async (t) => {
  const current = user({ otp: { verify: code } })
  const decision = verifyEmail(current, 'code-hash', now, ctx)
  t.same(decision.set, { emailVerified: true, emailVerifiedAt: now })
  t.same(decision.unset, ['otp.verify'])
  t.match(decision.events, [
    { type: 'EmailVerified', data: { userId: String(current._id), email: current.email } },
  ])
  t.throws(
    () => verifyEmail(user({ otp: { verify: { ...code, hash: 'newer' } } }), 'code-hash', now, ctx),
    {
      code: 'AUTH_ERR_OTP_INVALID',
    },
    'a replaced code is refused',
  )
  t.throws(
    () => verifyEmail(user(), 'code-hash', now, ctx),
    { code: 'AUTH_ERR_OTP_INVALID' },
    'a removed code is refused',
  )
})

t.test('resetPassword sets the new hash, removes the code and causes PasswordChanged (reset)', async (t) => {
  const current = user({ otp: { reset: code } })
  const decision = resetPassword(current, { redeemedHash: 'code-hash', passwordHash: 'new-hash' }, now, ctx)
  t.same(decision.set, { passwordHash: 'new-hash', passwordChangedAt: now })
  t.same(decision.unset, ['otp.reset'])
  t.match(decision.events, [
    { type: 'PasswordChanged', data: { userId: String(current._id), reason: 'reset' } },
  ])
  t.throws(
    () =>
      resetPassword(
        user({ otp: { verify: code } }),
        { redeemedHash: 'code-hash', passwordHash: 'x' },
        now,
        ctx,
      ),
    {
      code: 'AUTH_ERR_OTP_INVALID',
    },
    'a verification code does not reset',
  )
})

t.test('changePassword replaces the known password and causes PasswordChanged (change)', async (t) => {
  const current = user()
  const decision = changePassword(current, { knownHash: 'old-hash', passwordHash: 'new-hash' }, now, ctx)
  t.same(decision.set, { passwordHash: 'new-hash', passwordChangedAt: now })
  t.match(decision.events, [
    { type: 'PasswordChanged', data: { userId: String(current._id), reason: 'change' } },
  ])
  t.throws(
    () =>
      changePassword(user({ passwordHash: 'other' }), { knownHash: 'old-hash', passwordHash: 'x' }, now, ctx),
    {
      code: 'KIT_ERR_CONFLICT',
    },
    'a password changed meanwhile is a conflict',
  )
})

t.test('issueCode stores the record under its purpose', async (t) => {
  t.same(issueCode('reset', code), { set: { 'otp.reset': code } })
})
