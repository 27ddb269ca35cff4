import t from 'tap'
import {
  attemptsLeft,
  generateOtp,
  isExhausted,
  isWellFormedOtp,
  otpExpiry,
  otpStatus,
} from '../../src/domain/otp.js'

const policy = { ttlMs: 600_000, maxAttempts: 5 }

t.test('generateOtp makes 6-digit codes, leading zeros kept', async (t) => {
  const codes = Array.from({ length: 200 }, generateOtp)
  t.ok(codes.every(isWellFormedOtp))
  t.ok(new Set(codes).size > 190, 'codes are random')
})

t.test('isWellFormedOtp accepts exactly six ASCII digits', async (t) => {
  t.ok(isWellFormedOtp('012345'))
  t.notOk(isWellFormedOtp('12345'))
  t.notOk(isWellFormedOtp('1234567'))
  t.notOk(isWellFormedOtp('12345a'))
  t.notOk(isWellFormedOtp('١٢٣٤٥٦'), 'refuses non-ASCII digits')
})

t.test('otpStatus', async (t) => {
  const now = 1_000_000
  const live = { hash: 'h', expiresAt: otpExpiry(now, policy) }
  t.equal(otpStatus(undefined, now), 'none', 'no code is none')
  t.equal(otpStatus(live, now), 'live', 'a fresh code is live')
  t.equal(otpStatus(live, now + 599_999), 'live', 'a code is live until its expiry')
  t.equal(otpStatus(live, now + 600_000), 'expired', 'a code expires after 10 minutes')
})

t.test('isExhausted allows five tries and refuses the sixth', async (t) => {
  t.notOk(isExhausted(1, policy))
  t.notOk(isExhausted(5, policy))
  t.ok(isExhausted(6, policy))
})

t.test('attemptsLeft never goes below zero', async (t) => {
  t.equal(attemptsLeft(0, policy), 5)
  t.equal(attemptsLeft(4, policy), 1)
  t.equal(attemptsLeft(7, policy), 0)
})
