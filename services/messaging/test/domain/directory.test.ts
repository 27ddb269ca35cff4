import t from 'tap'
import { isActive } from '../../src/services/directory.js'

t.test('a user is active unless deactivated or suspended; missing fields count as unset', async (t) => {
  t.ok(isActive({ deactivatedAt: null, suspended: false }))
  t.ok(isActive({}), 'an upserted record whose nulls were not stored')
  t.notOk(isActive({ deactivatedAt: new Date(), suspended: false }))
  t.notOk(isActive({ deactivatedAt: null, suspended: true }))
})
