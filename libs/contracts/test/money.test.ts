import { Ajv } from 'ajv'
import fc from 'fast-check'
import t from 'tap'
import {
  addMoney,
  CURRENCIES,
  Currency,
  isCurrency,
  money,
  MONEY_CEILING_MINOR,
  MoneyError,
  moneyEquals,
  Money,
  PositiveMoney,
  positiveMoney,
  sumMoney,
} from '../src/index.js'

const CODES = Object.keys(CURRENCIES)
const ajv = new Ajv({ allErrors: true, strict: false })
const validMoney = ajv.compile(Money)
const validPositive = ajv.compile(PositiveMoney)
const validCurrency = ajv.compile(Currency)

t.test('money accepts whole non-negative minor units of an allowed currency only', async (t) => {
  t.same(money(1250, 'GHS'), { amountMinor: 1250, currency: 'GHS' })
  t.same(money(0, 'USD'), { amountMinor: 0, currency: 'USD' }, 'zero is a valid computed amount')
  t.throws(() => money(12.5, 'GHS'), { name: 'MoneyError', reason: 'not_integer' })
  t.throws(() => money(Number.NaN, 'GHS'), { name: 'MoneyError', reason: 'not_integer' })
  t.throws(() => money(Number.POSITIVE_INFINITY, 'GHS'), { name: 'MoneyError', reason: 'not_integer' })
  t.throws(() => money(-1, 'GHS'), { name: 'MoneyError', reason: 'negative' })
  t.throws(() => money(1, 'ghs'), { name: 'MoneyError', reason: 'currency' })
  t.throws(() => money(1, 'XYZ'), { name: 'MoneyError', reason: 'currency' }, 'three letters, not listed')
  t.throws(() => money(1, 'constructor'), { name: 'MoneyError', reason: 'currency' }, 'no prototype keys')
})

t.test('the ceiling is inclusive, per currency, and refuses 2^53 and 1e308', async (t) => {
  for (const code of CODES) {
    const ceiling = CURRENCIES[code as keyof typeof CURRENCIES].ceilingMinor
    t.same(money(ceiling, code), { amountMinor: ceiling, currency: code }, `${code} ceiling itself`)
    t.throws(() => money(ceiling + 1, code), { name: 'MoneyError', reason: 'ceiling' }, `${code} + 1`)
  }
  t.equal(MONEY_CEILING_MINOR, 99_999_999, "Stripe's largest single charge")
  t.throws(() => money(100_000_000, 'USD'), { name: 'MoneyError', reason: 'ceiling' })
  t.throws(() => money(2 ** 53, 'USD'), { name: 'MoneyError', reason: 'ceiling' })
  t.throws(() => money(1e308, 'USD'), { name: 'MoneyError', reason: 'ceiling' })
})

t.test('positiveMoney refuses zero and everything money refuses', async (t) => {
  t.same(positiveMoney(1, 'JPY'), { amountMinor: 1, currency: 'JPY' })
  t.throws(() => positiveMoney(0, 'USD'), { name: 'MoneyError', reason: 'zero' })
  t.throws(() => positiveMoney(-5, 'USD'), { name: 'MoneyError', reason: 'negative' })
  t.throws(() => positiveMoney(MONEY_CEILING_MINOR + 1, 'USD'), { name: 'MoneyError', reason: 'ceiling' })
  t.throws(() => positiveMoney(1, 'XYZ'), { name: 'MoneyError', reason: 'currency' })
})

t.test('the allow-list: isCurrency and the Currency schema agree with CURRENCIES', async (t) => {
  for (const code of CODES) {
    t.ok(isCurrency(code), code)
    t.ok(validCurrency(code), `${code} passes the schema`)
  }
  for (const code of ['XYZ', 'usd', 'US', 'USDD', '', 'toString', '__proto__']) {
    t.notOk(isCurrency(code), `${JSON.stringify(code)} is not a currency`)
    t.notOk(validCurrency(code), `${JSON.stringify(code)} fails the schema`)
  }
})

t.test('the Money and PositiveMoney schemas hold the same bounds as the functions', async (t) => {
  t.ok(validMoney({ amountMinor: 0, currency: 'USD' }))
  t.ok(validMoney({ amountMinor: MONEY_CEILING_MINOR, currency: 'USD' }))
  t.notOk(validPositive({ amountMinor: 0, currency: 'USD' }), 'a zero bid is refused')
  t.ok(validPositive({ amountMinor: 1, currency: 'USD' }))
  for (const amountMinor of [MONEY_CEILING_MINOR + 1, 2 ** 53, 1e308, -1, 1.5]) {
    t.notOk(validMoney({ amountMinor, currency: 'USD' }), `Money refuses ${amountMinor}`)
    t.notOk(validPositive({ amountMinor, currency: 'USD' }), `PositiveMoney refuses ${amountMinor}`)
  }
  t.notOk(validPositive({ amountMinor: 100, currency: 'XYZ' }), 'unknown currency')
  t.notOk(validPositive({ amountMinor: 100, currency: 'USD', extra: 1 }), 'no extra properties')
  t.notOk(validPositive({ amountMinor: '100', currency: 'USD' }), 'no strings')
})

t.test('addMoney adds same-currency amounts exactly and refuses mixed currencies', async (t) => {
  t.same(addMoney(money(10, 'USD'), money(5, 'USD')), { amountMinor: 15, currency: 'USD' })
  t.throws(() => addMoney(money(10, 'USD'), money(5, 'EUR')), {
    name: 'MoneyError',
    reason: 'currency_mismatch',
  })
})

t.test('addMoney may exceed the per-amount ceiling (a total) but never the safe-integer range', async (t) => {
  const ceiling = money(MONEY_CEILING_MINOR, 'USD')
  t.same(addMoney(ceiling, ceiling), { amountMinor: 2 * MONEY_CEILING_MINOR, currency: 'USD' })
  const huge = { amountMinor: Number.MAX_SAFE_INTEGER, currency: 'USD' }
  t.throws(() => addMoney(huge, money(1, 'USD')), { name: 'MoneyError', reason: 'ceiling' })
})

t.test('sumMoney is zero for no items and checks every item', async (t) => {
  t.same(sumMoney([], 'GHS'), { amountMinor: 0, currency: 'GHS' })
  t.same(sumMoney([money(1, 'GHS'), money(2, 'GHS'), money(3, 'GHS')], 'GHS'), {
    amountMinor: 6,
    currency: 'GHS',
  })
  t.throws(() => sumMoney([money(1, 'USD')], 'GHS'), { name: 'MoneyError', reason: 'currency_mismatch' })
  t.throws(() => sumMoney([], 'XYZ'), { name: 'MoneyError', reason: 'currency' })
})

t.test('moneyEquals compares amount and currency', async (t) => {
  t.ok(moneyEquals(money(1, 'GHS'), money(1, 'GHS')))
  t.notOk(moneyEquals(money(1, 'GHS'), money(1, 'USD')))
  t.notOk(moneyEquals(money(1, 'GHS'), money(2, 'GHS')))
})

// ── Properties ───────────────────────────────────────────────────────────────────────────────────

const currency = fc.constantFrom(...CODES)
const amount = fc.integer({ min: 0, max: MONEY_CEILING_MINOR })

t.test('property: sums of bounded amounts stay exact (BigInt agrees) while below 2^53', async (t) => {
  fc.assert(
    fc.property(currency, fc.array(amount, { maxLength: 500 }), (code, amounts) => {
      const total = sumMoney(
        amounts.map((a) => money(a, code)),
        code,
      )
      const exact = amounts.reduce((acc, a) => acc + BigInt(a), 0n)
      return BigInt(total.amountMinor) === exact && Number.isSafeInteger(total.amountMinor)
    }),
  )
  t.pass('sumMoney matched BigInt arithmetic on every generated list')
})

t.test('property: addMoney is commutative and associative in one currency', async (t) => {
  fc.assert(
    fc.property(currency, amount, amount, amount, (code, a, b, c) => {
      const [x, y, z] = [money(a, code), money(b, code), money(c, code)]
      return (
        moneyEquals(addMoney(x, y), addMoney(y, x)) &&
        moneyEquals(addMoney(addMoney(x, y), z), addMoney(x, addMoney(y, z)))
      )
    }),
  )
  t.pass('commutative and associative on every generated triple')
})

t.test('property: addMoney refuses every pair of different currencies, both ways', async (t) => {
  fc.assert(
    fc.property(
      fc.uniqueArray(currency, { minLength: 2, maxLength: 2 }),
      amount,
      amount,
      ([c1, c2], a, b) => {
        for (const [x, y] of [
          [money(a, c1!), money(b, c2!)],
          [money(b, c2!), money(a, c1!)],
        ] as const) {
          try {
            addMoney(x, y)
            return false
          } catch (err) {
            if (!(err instanceof MoneyError) || err.reason !== 'currency_mismatch') return false
          }
        }
        return true
      },
    ),
  )
  t.pass('currency_mismatch on every generated pair')
})

t.test('property: money and positiveMoney accept exactly the integers in their range', async (t) => {
  fc.assert(
    fc.property(currency, fc.oneof(amount, fc.double(), fc.integer()), (code, a) => {
      const inRange = Number.isInteger(a) && a >= 0 && a <= MONEY_CEILING_MINOR
      let ok: boolean
      try {
        money(a, code)
        ok = true
      } catch (err) {
        if (!(err instanceof MoneyError)) throw err
        ok = false
      }
      let positiveOk: boolean
      try {
        positiveMoney(a, code)
        positiveOk = true
      } catch (err) {
        if (!(err instanceof MoneyError)) throw err
        positiveOk = false
      }
      return (
        ok === inRange &&
        positiveOk === (inRange && a >= 1) &&
        validMoney({ amountMinor: a, currency: code }) === inRange
      )
    }),
  )
  t.pass('functions and schema agree on every generated amount')
})
