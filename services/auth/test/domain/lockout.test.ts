import t from 'tap'
import { accountSpacingMs, pairDelayMs, retryAfterSeconds, shouldAlert } from '../../src/domain/lockout.js'

const policy = {
  maxFailures: 5,
  windowS: 900,
  lockoutS: 900,
  baseDelayS: 1,
  accountCeiling: 50,
  accountMaxSpacingS: 30,
}

t.test('pairDelayMs: nothing below the threshold, then doubling delays up to the cap', async (t) => {
  t.equal(pairDelayMs(4, policy), 0)
  t.equal(pairDelayMs(5, policy), 1_000)
  t.equal(pairDelayMs(6, policy), 2_000)
  t.equal(pairDelayMs(9, policy), 16_000)
  t.equal(pairDelayMs(20, policy), 900_000, 'capped at lockoutS')
  t.equal(pairDelayMs(10_000, policy), 900_000, 'no overflow')
})

t.test(
  'accountSpacingMs slows an account only far past the pair threshold, and never locks it',
  async (t) => {
    t.equal(accountSpacingMs(49, policy), 0)
    t.equal(accountSpacingMs(50, policy), 1_000)
    t.equal(accountSpacingMs(100, policy), 2_000)
    t.equal(accountSpacingMs(1_000_000, policy), 30_000)
    let previous = 0
    for (let n = 0; n < 5_000; n++) {
      const s = accountSpacingMs(n, policy)
      if (s < previous || s > 30_000) t.fail(`spacing ${s} after ${n} failures`)
      previous = s
    }
  },
)

t.test('shouldAlert fires when a threshold is reached, not on every failure after', async (t) => {
  t.ok(shouldAlert(5, 5, policy))
  t.ok(shouldAlert(1, 50, policy))
  t.notOk(shouldAlert(6, 6, policy))
  t.notOk(shouldAlert(4, 49, policy))
})

t.test('retryAfterSeconds rounds up to whole seconds and is at least 1', async (t) => {
  t.equal(retryAfterSeconds(900_000), 900)
  t.equal(retryAfterSeconds(1_001), 2)
  t.equal(retryAfterSeconds(3), 1)
})
