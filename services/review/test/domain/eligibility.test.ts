/** The window and eligibility rules of src/domain/eligibility.ts, time injected. */
import t from 'tap'
import {
  DAY_MS,
  decideSubmission,
  isOpen,
  sideOf,
  timeLeftMs,
  windowFor,
  type SubmissionFacts,
} from '../../src/domain/eligibility.js'

const ended = new Date('2026-03-01T10:00:00.000Z')
const parties = { hirerId: 'h1', workerId: 'w1' }

t.test('windowFor', async (t) => {
  t.test('a completed contract opens a window of REVIEW_WINDOW_DAYS from its end', async (t) => {
    const w = windowFor({ outcome: 'completed', endedAt: ended }, null, 14)
    t.same(w, {
      openedAt: ended,
      closesAt: new Date(ended.getTime() + 14 * DAY_MS),
      reason: 'completed',
    })
  })
  t.test('a running contract opens nothing', async (t) => {
    t.equal(windowFor(null, new Date(), 14), null)
  })
  t.test('a cancellation with nothing paid opens nothing', async (t) => {
    t.equal(windowFor({ outcome: 'cancelled', endedAt: ended }, null, 14), null)
  })
  t.test('a cancellation after a payment opens the window from the cancellation', async (t) => {
    const paid = new Date(ended.getTime() - DAY_MS)
    const w = windowFor({ outcome: 'cancelled', endedAt: ended }, paid, 7)
    t.same(w?.openedAt, ended)
    t.same(w?.closesAt, new Date(ended.getTime() + 7 * DAY_MS))
    t.equal(w?.reason, 'cancelled_after_payment')
  })
  t.test('a payment that comes after the cancellation opens the window from the payment', async (t) => {
    const paid = new Date(ended.getTime() + 3 * DAY_MS)
    const w = windowFor({ outcome: 'cancelled', endedAt: ended }, paid, 14)
    t.same(w?.openedAt, paid)
    t.same(w?.closesAt, new Date(paid.getTime() + 14 * DAY_MS))
  })
})

t.test('isOpen and timeLeftMs: open strictly before closesAt', async (t) => {
  const w = { closesAt: new Date(ended.getTime() + DAY_MS) }
  t.ok(isOpen(w, ended))
  t.equal(timeLeftMs(w, ended), DAY_MS)
  t.ok(isOpen(w, new Date(w.closesAt.getTime() - 1)))
  t.notOk(isOpen(w, w.closesAt))
  t.equal(timeLeftMs(w, new Date(w.closesAt.getTime() + 5)), 0)
})

t.test('sideOf names the side, or null for a stranger', async (t) => {
  t.equal(sideOf(parties, 'h1'), 'hirer')
  t.equal(sideOf(parties, 'w1'), 'worker')
  t.equal(sideOf(parties, 'x'), null)
})

t.test('decideSubmission', async (t) => {
  const window = windowFor({ outcome: 'completed', endedAt: ended }, null, 14)
  const facts = (over: Partial<SubmissionFacts> = {}): SubmissionFacts => ({
    contractId: 'c1',
    parties,
    ending: { outcome: 'completed', endedAt: ended },
    window,
    revealed: false,
    ...over,
  })
  const during = new Date(ended.getTime() + DAY_MS)
  t.test('the hirer reviews the worker and the worker the hirer', async (t) => {
    t.same(decideSubmission(facts(), 'h1', during), {
      authorRole: 'hirer',
      subjectId: 'w1',
      subjectRole: 'worker',
    })
    t.same(decideSubmission(facts(), 'w1', during), {
      authorRole: 'worker',
      subjectId: 'h1',
      subjectRole: 'hirer',
    })
  })
  const code = (fn: () => unknown) => {
    try {
      fn()
      return 'none'
    } catch (err) {
      return (err as { code: string; statusCode: number }).code
    }
  }
  t.test('refusals carry distinct codes', async (t) => {
    t.equal(
      code(() => decideSubmission(facts({ parties: null }), 'h1', during)),
      'REVIEW_ERR_CONTRACT_NOT_FOUND',
    )
    t.equal(
      code(() => decideSubmission(facts(), 'stranger', during)),
      'REVIEW_ERR_NOT_A_PARTY',
    )
    t.equal(
      code(() => decideSubmission(facts({ ending: null, window: null }), 'h1', during)),
      'REVIEW_ERR_CONTRACT_NOT_ENDED',
    )
    t.equal(
      code(() =>
        decideSubmission(
          facts({ ending: { outcome: 'cancelled', endedAt: ended }, window: null }),
          'h1',
          during,
        ),
      ),
      'REVIEW_ERR_NOT_ELIGIBLE',
    )
    t.equal(
      code(() => decideSubmission(facts(), 'h1', new Date(ended.getTime() + 14 * DAY_MS))),
      'REVIEW_ERR_WINDOW_CLOSED',
    )
    t.equal(
      code(() => decideSubmission(facts({ revealed: true }), 'h1', during)),
      'REVIEW_ERR_WINDOW_CLOSED',
    )
  })
  t.test('a stranger is refused as a stranger even before the contract ends', async (t) => {
    t.equal(
      code(() => decideSubmission(facts({ ending: null, window: null }), 'x', during)),
      'REVIEW_ERR_NOT_A_PARTY',
    )
  })
})
