/**
 * Every route of the job service's OpenAPI, fuzzed from its own schemas (`fuzzOpenApi`,
 * libs/testing/src/fuzz.ts): no answer is a 5xx, every error is problem+json. A job exists first,
 * so the ids fed back reach the deeper routes. Replay a failure with `FUZZ_SEED=<seed printed>`.
 */
import { fuzzOpenApi } from '@kelmah/testing'
import t from 'tap'
import { buildTestApp, createJob } from '../fixtures/app.js'

t.test('no generated request to any documented route gets a 5xx or a non-problem error', async (t) => {
  const ta = await buildTestApp()
  t.teardown(() => ta.close())
  const hirer = ta.hirer()
  const worker = ta.worker()
  await createJob(ta.app, hirer)
  const report = await fuzzOpenApi(ta.app, {
    tokens: { hirer: hirer.token, worker: worker.token, admin: ta.admin().token },
  })
  t.comment(
    `fuzz seed=${report.seed} runs=${report.numRuns}/operation: ${report.operations.length} operations, ` +
      `${report.requests} requests ${JSON.stringify(report.statuses)} in ${report.ms} ms`,
  )
  t.ok(report.operations.length > 10, 'the OpenAPI lists the routes')
  t.same(report.failures, [], 'every answer below 500, every error problem+json')
})
