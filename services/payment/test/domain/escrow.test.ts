import t from 'tap'
import {
  ESCROW_STATUSES,
  escrowId,
  isHeld,
  nextAttempt,
  SETTLED_STATUS,
  type AttemptFacts,
} from '../../src/domain/escrow.js'

const attempt = (n: number, status: AttemptFacts['status']): AttemptFacts => ({
  _id: escrowId('m1', n),
  attempt: n,
  status,
})

t.test('escrowId is esc_<milestoneId>_<attempt>', async (t) => {
  t.equal(escrowId('m1', 1), 'esc_m1_1')
  t.equal(escrowId('6650f0c2a1b2c3d4e5f60718', 12), 'esc_6650f0c2a1b2c3d4e5f60718_12')
})

t.test('nextAttempt is 1 for a milestone never funded', async (t) => {
  t.equal(nextAttempt([]), 1)
})

t.test('nextAttempt is one after the highest failed attempt', async (t) => {
  t.equal(nextAttempt([attempt(1, 'failed')]), 2)
  t.equal(nextAttempt([attempt(1, 'failed'), attempt(2, 'failed')]), 3)
  t.equal(nextAttempt([attempt(3, 'failed'), attempt(1, 'failed')]), 4, 'in any order')
})

t.test('nextAttempt refuses with a 409 while an attempt is pending, funded or settled', async (t) => {
  for (const status of ESCROW_STATUSES.filter((s) => s !== 'failed')) {
    t.throws(() => nextAttempt([attempt(1, 'failed'), attempt(2, status)]), {
      statusCode: 409,
      code: 'PAYMENT_ERR_ALREADY_FUNDED',
      message: new RegExp(`esc_m1_2 \\(${status}\\)`),
    })
  }
})

t.test('only funded holds money; settled statuses follow the settle transfer kind', async (t) => {
  for (const s of ESCROW_STATUSES) t.equal(isHeld(s), s === 'funded', s)
  t.same(SETTLED_STATUS, { release: 'released', refund: 'refunded', split: 'split' })
})
