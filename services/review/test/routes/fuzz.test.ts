/**
 * Every route of the review service's OpenAPI, fuzzed from its own schemas (`fuzzOpenApi`,
 * libs/testing/src/fuzz.ts): no answer is a 5xx, every error is problem+json. A contract whose
 * two reviews are public and reported exists first, so its ids (reviews, reports, users,
 * contracts) are around to be fed back. Replay with `FUZZ_SEED=<seed>`.
 */
import { fuzzOpenApi } from '@kelmah/testing'
import t from 'tap'
import { buildTestApp, call, contract, relayed, reviewed } from '../fixtures/app.js'

t.test('no generated request to any documented route gets a 5xx or a non-problem error', async (t) => {
  const ta = await buildTestApp()
  t.teardown(() => ta.close())
  const c = await contract(ta)
  const ofWorker = await reviewed(ta, c.hirer, c)
  const ofHirer = await reviewed(ta, c.worker, c)
  await relayed(ta, ofWorker.id)
  await relayed(ta, ofHirer.id)
  const reported = await call(ta.app, 'POST', `/api/reviews/${ofWorker.id}/report`, c.worker, {
    reason: 'Unfair',
  })
  t.equal(reported.status, 201, 'a report to find')
  // A second contract ended but not reviewed: POST /api/reviews can succeed for its parties.
  await contract(ta, { hirer: c.hirer, worker: c.worker })

  const report = await fuzzOpenApi(ta.app, {
    tokens: { hirer: c.hirer.token, worker: c.worker.token, admin: ta.admin().token },
  })
  t.comment(
    `fuzz seed=${report.seed} runs=${report.numRuns}/operation: ${report.operations.length} operations, ` +
      `${report.requests} requests ${JSON.stringify(report.statuses)} in ${report.ms} ms`,
  )
  t.ok(report.operations.length > 10, 'the OpenAPI lists the routes')
  t.ok(report.operations.includes('GET /api/reviews/admin/audit'), 'the audit log is among them')
  t.same(report.failures, [], 'every answer below 500, every error problem+json')
})
