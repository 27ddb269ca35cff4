import { MONEY_CEILING_MINOR, money } from '@kelmah/contracts'
import fc from 'fast-check'
import t from 'tap'
import { BPS_PER_WHOLE, platformFee, splitFee } from '../../src/domain/fees.js'

t.test('takes 10 % of 10 000 as a fee of 1 000 and leaves 9 000 to the worker', async (t) => {
  t.same(platformFee(money(10_000, 'GHS'), 1000), { amountMinor: 1000, currency: 'GHS' })
  t.same(splitFee(money(10_000, 'GHS'), 1000), {
    net: { amountMinor: 9000, currency: 'GHS' },
    fee: { amountMinor: 1000, currency: 'GHS' },
  })
})

t.test('rounds the fee down: 999 at 1 000 bps is a fee of 99 and a net of 900', async (t) => {
  t.same(splitFee(money(999, 'USD'), 1000), {
    net: { amountMinor: 900, currency: 'USD' },
    fee: { amountMinor: 99, currency: 'USD' },
  })
  t.same(platformFee(money(9, 'USD'), 1000), { amountMinor: 0, currency: 'USD' }, 'below one unit: no fee')
  t.same(platformFee(money(1, 'JPY'), 9999), { amountMinor: 0, currency: 'JPY' })
})

t.test('takes nothing at 0 bps and everything at 10 000 bps', async (t) => {
  t.same(splitFee(money(12_345, 'EUR'), 0), {
    net: { amountMinor: 12_345, currency: 'EUR' },
    fee: { amountMinor: 0, currency: 'EUR' },
  })
  t.same(splitFee(money(12_345, 'EUR'), BPS_PER_WHOLE), {
    net: { amountMinor: 0, currency: 'EUR' },
    fee: { amountMinor: 12_345, currency: 'EUR' },
  })
})

t.test('refuses bps that are not an integer between 0 and 10 000', async (t) => {
  for (const bps of [-1, 10_001, 10.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    t.throws(() => platformFee(money(100, 'GHS'), bps), RangeError, String(bps))
    t.throws(() => splitFee(money(100, 'GHS'), bps), RangeError, String(bps))
  }
})

t.test('refuses an amount that is not a checked Money value', async (t) => {
  t.throws(() => platformFee({ amountMinor: -1, currency: 'GHS' }, 1000), {
    name: 'MoneyError',
    reason: 'negative',
  })
  t.throws(() => platformFee({ amountMinor: 1.5, currency: 'GHS' }, 1000), {
    name: 'MoneyError',
    reason: 'not_integer',
  })
  t.throws(() => platformFee({ amountMinor: 100, currency: 'XYZ' }, 1000), {
    name: 'MoneyError',
    reason: 'currency',
  })
  t.throws(() => platformFee({ amountMinor: MONEY_CEILING_MINOR + 1, currency: 'GHS' }, 1000), {
    name: 'MoneyError',
    reason: 'ceiling',
  })
})

t.test(
  'net + fee = amount exactly, and the fee is floor(amount × bps / 10 000), for every amount and bps',
  async (t) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MONEY_CEILING_MINOR }),
        fc.integer({ min: 0, max: BPS_PER_WHOLE }),
        fc.constantFrom('GHS', 'USD', 'JPY'),
        (amountMinor, bps, currency) => {
          const { net, fee } = splitFee(money(amountMinor, currency), bps)
          // BigInt: the reference computed without any floating point.
          const expectedFee = Number((BigInt(amountMinor) * BigInt(bps)) / BigInt(BPS_PER_WHOLE))
          return (
            net.amountMinor + fee.amountMinor === amountMinor &&
            fee.amountMinor === expectedFee &&
            net.amountMinor >= 0 &&
            net.currency === currency &&
            fee.currency === currency
          )
        },
      ),
      { numRuns: 5000 },
    )
    t.pass('held over 5 000 random amounts and rates')
  },
)
