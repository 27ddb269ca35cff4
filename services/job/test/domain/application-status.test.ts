import t from 'tap'
import { thrown } from '../fixtures/errors.js'
import {
  APPLICATION_STATUSES,
  assertApplicationTransition,
  canTransition,
  type ApplicationStatus,
} from '../../src/domain/application-status.js'

const LEGAL: Array<[ApplicationStatus, ApplicationStatus]> = [
  ['pending', 'shortlisted'],
  ['pending', 'accepted'],
  ['pending', 'rejected'],
  ['pending', 'withdrawn'],
  ['shortlisted', 'accepted'],
  ['shortlisted', 'rejected'],
  ['shortlisted', 'withdrawn'],
]

t.test('the application state machine allows exactly the legal moves of the table', async (t) => {
  for (const from of APPLICATION_STATUSES) {
    for (const to of APPLICATION_STATUSES) {
      const legal = LEGAL.some(([f, x]) => f === from && x === to)
      t.equal(canTransition(from, to), legal, `${from} → ${to} is ${legal ? 'legal' : 'illegal'}`)
    }
  }
})

t.test('an illegal move throws a 409 naming both states', async (t) => {
  const err = thrown(() => assertApplicationTransition('withdrawn', 'shortlisted'))
  t.equal(err.statusCode, 409)
  t.match(err.message, /withdrawn to shortlisted/)
})
