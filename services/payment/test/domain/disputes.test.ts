import { money } from '@kelmah/contracts'
import t from 'tap'
import { resolveAmounts } from '../../src/domain/disputes.js'

const escrow = money(10_000, 'GHS')
const fieldRefusal = {
  statusCode: 400,
  code: 'PAYMENT_ERR_INVALID_SPLIT',
  fieldErrors: [{ field: 'workerAmountMinor' }],
}

t.test('release gives the whole escrow to the worker', async (t) => {
  t.same(resolveAmounts(escrow, 'release'), {
    outcome: 'release',
    workerGross: { amountMinor: 10_000, currency: 'GHS' },
    refund: { amountMinor: 0, currency: 'GHS' },
  })
})

t.test('refund gives the whole escrow back to the hirer', async (t) => {
  t.same(resolveAmounts(escrow, 'refund'), {
    outcome: 'refund',
    workerGross: { amountMinor: 0, currency: 'GHS' },
    refund: { amountMinor: 10_000, currency: 'GHS' },
  })
})

t.test('split gives workerAmountMinor to the worker and the rest back', async (t) => {
  t.same(resolveAmounts(escrow, 'split', 2_500), {
    outcome: 'split',
    workerGross: { amountMinor: 2_500, currency: 'GHS' },
    refund: { amountMinor: 7_500, currency: 'GHS' },
  })
  t.same(resolveAmounts(escrow, 'split', 1).refund, { amountMinor: 9_999, currency: 'GHS' }, 'lowest part')
  t.same(resolveAmounts(escrow, 'split', 9_999).refund, { amountMinor: 1, currency: 'GHS' }, 'highest part')
})

t.test(
  'split refuses a worker part that is missing or not inside (0, escrow), naming workerAmountMinor',
  async (t) => {
    for (const amount of [undefined, 0, -1, 10_000, 10_001, 2.5, Number.NaN]) {
      const err = t.throws(
        () => resolveAmounts(escrow, 'split', amount),
        fieldRefusal,
        String(amount),
      ) as Error
      t.match(err?.message, /between 1 and 9999/)
    }
    t.throws(() => resolveAmounts(money(1, 'GHS'), 'split', 1), fieldRefusal, 'one unit cannot be split')
  },
)

t.test('release and refund refuse a workerAmountMinor, naming the field', async (t) => {
  t.throws(() => resolveAmounts(escrow, 'release', 5_000), fieldRefusal)
  t.throws(() => resolveAmounts(escrow, 'refund', 0), fieldRefusal, 'even zero')
})
