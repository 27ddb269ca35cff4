import t from 'tap'
import {
  MAX_PORTFOLIO_ITEMS,
  newPortfolioItem,
  withItemAdded,
  withItemChanged,
  withItemDeleted,
} from '../../src/domain/portfolio.js'

const created = new Date('2026-01-01T00:00:00Z')
const later = new Date('2026-02-01T00:00:00Z')
const item = newPortfolioItem('a'.repeat(24), { title: ' Shop ', links: ['https://x.example'] }, created)

t.test('newPortfolioItem trims and fills defaults', async (t) => {
  t.same(item, {
    id: 'a'.repeat(24),
    title: 'Shop',
    description: '',
    links: ['https://x.example'],
    imageUrls: [],
    createdAt: created,
    updatedAt: created,
  })
})

t.test('withItemAdded appends, up to the maximum', async (t) => {
  t.same(withItemAdded([], item), [item])
  const full = Array.from({ length: MAX_PORTFOLIO_ITEMS }, (_, i) => ({ ...item, id: String(i) }))
  t.throws(() => withItemAdded(full, item), { code: 'USER_ERR_PORTFOLIO_FULL' })
})

t.test('withItemChanged', async (t) => {
  t.test('changes the given fields and stamps updatedAt', async (t) => {
    const next = withItemChanged([item], item.id, { title: ' New ' }, later)
    t.match(next, [{ id: item.id, title: 'New', createdAt: created, updatedAt: later }])
  })
  t.test('is undefined when nothing changes', async (t) => {
    t.equal(withItemChanged([item], item.id, { title: 'Shop' }, later), undefined)
  })
  t.test('refuses an unknown item', async (t) => {
    t.throws(() => withItemChanged([item], 'nope', {}, later), { code: 'USER_ERR_PORTFOLIO_ITEM_NOT_FOUND' })
  })
})

t.test('withItemDeleted removes the item, refusing an unknown one', async (t) => {
  t.same(withItemDeleted([item], item.id), [])
  t.throws(() => withItemDeleted([item], 'nope'), { code: 'USER_ERR_PORTFOLIO_ITEM_NOT_FOUND' })
})
