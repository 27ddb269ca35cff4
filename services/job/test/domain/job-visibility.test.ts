/** Who sees an invite-only job, and who may apply (`src/domain/job-visibility.ts`): every case of its table. */
import t from 'tap'
import { canSeeJob, mayApply, needsRelation, type Relation } from '../../src/domain/job-visibility.js'
import { JOB_STATUSES } from '../../src/domain/job-status.js'

const hirer = { sub: 'h1', role: 'hirer' as const }
const otherHirer = { sub: 'h2', role: 'hirer' as const }
const admin = { sub: 'a1', role: 'admin' as const }
const worker = { sub: 'w1', role: 'worker' as const }
const none: Relation = { invited: false, applied: false }
const invited: Relation = { invited: true, applied: false }
const applied: Relation = { invited: false, applied: true }

t.test('drafts: only their hirer, whatever the visibility', async (t) => {
  for (const visibility of ['public', 'invite_only'] as const) {
    const job = { hirerId: 'h1', status: 'draft' as const, visibility }
    t.ok(canSeeJob(job, hirer))
    for (const v of [otherHirer, admin, worker])
      t.notOk(canSeeJob(job, v, invited), `${v.role} ${visibility}`)
    t.notOk(mayApply(job, worker, invited))
    t.notOk(needsRelation(job, worker))
  }
})

t.test('published public jobs: everyone sees them and may apply', async (t) => {
  for (const status of JOB_STATUSES.filter((s) => s !== 'draft')) {
    const job = { hirerId: 'h1', status, visibility: 'public' as const }
    for (const v of [hirer, otherHirer, admin, worker]) t.ok(canSeeJob(job, v), `${status} ${v.role}`)
    t.ok(mayApply(job, worker, none))
    t.notOk(needsRelation(job, worker), 'no lookup')
  }
})

t.test(
  'published invite-only jobs: hirer, admins, invited and applied workers see; only the invited apply',
  async (t) => {
    for (const status of JOB_STATUSES.filter((s) => s !== 'draft')) {
      const job = { hirerId: 'h1', status, visibility: 'invite_only' as const }
      t.ok(canSeeJob(job, hirer), 'hirer')
      t.ok(canSeeJob(job, admin), 'admin')
      t.notOk(needsRelation(job, hirer) || needsRelation(job, admin), 'no lookup for them')
      t.ok(needsRelation(job, worker) && needsRelation(job, otherHirer))
      t.notOk(canSeeJob(job, worker, none), 'a stranger')
      t.notOk(canSeeJob(job, worker), 'a stranger, relation unknown')
      t.notOk(canSeeJob(job, otherHirer, none), 'another hirer')
      t.ok(canSeeJob(job, worker, invited), 'invited')
      t.ok(canSeeJob(job, worker, applied), 'applied before')
      t.ok(mayApply(job, worker, invited))
      t.notOk(mayApply(job, worker, applied), 'having applied is no invitation')
      t.notOk(mayApply(job, worker, none))
    }
  },
)

t.test(
  'a suspended hirer: their jobs only for them, admins and workers who applied; nobody may apply',
  async (t) => {
    for (const visibility of ['public', 'invite_only'] as const) {
      const job = { hirerId: 'h1', status: 'open' as const, visibility, hirerSuspended: true }
      t.ok(canSeeJob(job, hirer), `hirer ${visibility}`)
      t.ok(canSeeJob(job, admin), `admin ${visibility}`)
      t.ok(needsRelation(job, worker), 'the worker is looked up')
      t.notOk(needsRelation(job, hirer))
      t.ok(canSeeJob(job, worker, applied), `applied ${visibility}`)
      t.notOk(canSeeJob(job, worker, invited), `invited only ${visibility}`)
      t.notOk(canSeeJob(job, worker, none))
      t.notOk(canSeeJob(job, otherHirer, none))
      for (const r of [none, invited, applied]) t.notOk(mayApply(job, worker, r))
    }
    const draft = {
      hirerId: 'h1',
      status: 'draft' as const,
      visibility: 'public' as const,
      hirerSuspended: true,
    }
    t.ok(canSeeJob(draft, hirer), 'a draft stays its hirer’s')
    t.notOk(canSeeJob(draft, admin))
  },
)
