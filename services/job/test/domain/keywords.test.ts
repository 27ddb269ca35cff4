import t from 'tap'
import { thrown } from '../fixtures/errors.js'
import { jobKeywords, normaliseSkills, tokenize } from '../../src/domain/keywords.js'
import { assertValidBudget, budgetRange } from '../../src/domain/budget.js'
import { isCategory } from '../../src/domain/categories.js'

t.test('tokenize lower-cases, drops stop words and short words, de-duplicates', async (t) => {
  t.same(tokenize('Build a React app — the React way, café!'), ['build', 'react', 'app', 'way', 'café'])
})

t.test('skills are normalised to lower case without duplicates', async (t) => {
  t.same(normaliseSkills([' React ', 'react', 'Node  JS', '']), ['react', 'node js'])
})

t.test('job keywords come from title, skills and description', async (t) => {
  t.same(jobKeywords({ title: 'Logo design', skills: ['illustrator'], description: 'A modern logo' }), [
    'logo',
    'design',
    'illustrator',
    'modern',
  ])
})

t.test('an hourly budget needs min ≤ max; ranges span the budget', async (t) => {
  const err = thrown(() => assertValidBudget({ type: 'hourly', minMinor: 5, maxMinor: 4, currency: 'USD' }))
  t.equal(err.statusCode, 400)
  t.equal(err.fieldErrors[0].field, 'budget.maxMinor')
  t.same(budgetRange({ type: 'hourly', minMinor: 4, maxMinor: 5, currency: 'USD' }), { low: 4, high: 5 })
  t.same(budgetRange({ type: 'fixed', amountMinor: 9, currency: 'USD' }), { low: 9, high: 9 })
})

t.test('the category catalogue knows real categories only', async (t) => {
  t.ok(isCategory('web-development'))
  t.notOk(isCategory('basket-weaving'))
})
