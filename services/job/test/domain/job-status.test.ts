import t from 'tap'
import { thrown } from '../fixtures/errors.js'
import {
  assertJobTransition,
  canTransition,
  FINAL_JOB_STATUSES,
  JOB_STATUSES,
  type JobStatus,
} from '../../src/domain/job-status.js'

const LEGAL: Array<[JobStatus, JobStatus]> = [
  ['draft', 'open'],
  ['draft', 'cancelled'],
  ['open', 'in_progress'],
  ['open', 'closed'],
  ['open', 'cancelled'],
  ['in_progress', 'completed'],
  ['in_progress', 'cancelled'],
  ['in_progress', 'open'],
]

t.test('the job state machine allows exactly the legal moves of the table', async (t) => {
  for (const from of JOB_STATUSES) {
    for (const to of JOB_STATUSES) {
      const legal = LEGAL.some(([f, x]) => f === from && x === to)
      t.equal(canTransition(from, to), legal, `${from} → ${to} is ${legal ? 'legal' : 'illegal'}`)
    }
  }
})

t.test('completed, cancelled and closed are final', async (t) => {
  t.same([...FINAL_JOB_STATUSES].sort(), ['cancelled', 'closed', 'completed'])
})

t.test('an illegal move throws a 409 naming both states', async (t) => {
  const err = thrown(() => assertJobTransition('closed', 'open'))
  t.equal(err.statusCode, 409)
  t.equal(err.code, 'JOB_ERR_ILLEGAL_TRANSITION')
  t.match(err.message, /closed to open/)
  t.doesNotThrow(() => assertJobTransition('draft', 'open'))
})
