import t from 'tap'
import { retryAfterSeconds, shouldLock } from '../../src/domain/lockout.js'

const policy = { maxFailures: 5, windowS: 900, lockoutS: 900 }

t.test('shouldLock locks at the fifth failure in the window', async (t) => {
  t.notOk(shouldLock(4, policy))
  t.ok(shouldLock(5, policy))
  t.ok(shouldLock(6, policy))
})

t.test('retryAfterSeconds rounds up to whole seconds and is at least 1', async (t) => {
  t.equal(retryAfterSeconds(900_000), 900)
  t.equal(retryAfterSeconds(1_001), 2)
  t.equal(retryAfterSeconds(3), 1)
})
