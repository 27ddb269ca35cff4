import t from 'tap'
import { addMoney, money, MoneyError, moneyEquals, sumMoney } from '../../src/domain/money.js'

t.test('money accepts whole non-negative minor units and ISO codes only', async (t) => {
  t.same(money(1250, 'GHS'), { amountMinor: 1250, currency: 'GHS' })
  t.throws(() => money(12.5, 'GHS'), { name: 'MoneyError', reason: 'not_integer' })
  t.throws(() => money(-1, 'GHS'), { name: 'MoneyError', reason: 'negative' })
  t.throws(() => money(2 ** 53, 'GHS'), { name: 'MoneyError', reason: 'unsafe' })
  t.throws(() => money(1, 'ghs'), { name: 'MoneyError', reason: 'currency' })
})

t.test('addMoney adds same-currency amounts exactly and refuses mixed currencies', async (t) => {
  t.same(addMoney(money(10, 'USD'), money(5, 'USD')), { amountMinor: 15, currency: 'USD' })
  t.throws(() => addMoney(money(10, 'USD'), money(5, 'EUR')), MoneyError)
})

t.test('addMoney refuses a sum beyond the safe-integer range instead of rounding', async (t) => {
  t.throws(() => addMoney(money(Number.MAX_SAFE_INTEGER, 'USD'), money(1, 'USD')), {
    name: 'MoneyError',
    reason: 'unsafe',
  })
})

t.test('sumMoney is zero for no items and checks every item', async (t) => {
  t.same(sumMoney([], 'GHS'), { amountMinor: 0, currency: 'GHS' })
  t.same(sumMoney([money(1, 'GHS'), money(2, 'GHS'), money(3, 'GHS')], 'GHS'), {
    amountMinor: 6,
    currency: 'GHS',
  })
  t.throws(() => sumMoney([money(1, 'USD')], 'GHS'), { name: 'MoneyError', reason: 'currency_mismatch' })
})

t.test('moneyEquals compares amount and currency', async (t) => {
  t.ok(moneyEquals(money(1, 'GHS'), money(1, 'GHS')))
  t.notOk(moneyEquals(money(1, 'GHS'), money(1, 'USD')))
  t.notOk(moneyEquals(money(1, 'GHS'), money(2, 'GHS')))
})
