/**
 * Every route of the user service's OpenAPI, fuzzed from its own schemas (`fuzzOpenApi`,
 * libs/testing/src/fuzz.ts): no answer is a 5xx, every error is problem+json. A profile exists
 * first, so its id is fed back into path parameters. Replay with `FUZZ_SEED=<seed>`.
 */
import { fuzzOpenApi } from '@kelmah/testing'
import t from 'tap'
import { buildTestApp, createUser } from '../fixtures/app.js'

t.test('no generated request to any documented route gets a 5xx or a non-problem error', async (t) => {
  const ta = await buildTestApp()
  t.teardown(() => ta.close())
  const worker = await createUser(ta, { role: 'worker' })
  const hirer = await createUser(ta, { role: 'hirer' })
  const report = await fuzzOpenApi(ta.app, {
    tokens: { worker: worker.token, hirer: hirer.token, fresh: ta.actor('worker').token },
  })
  t.comment(
    `fuzz seed=${report.seed} runs=${report.numRuns}/operation: ${report.operations.length} operations, ` +
      `${report.requests} requests ${JSON.stringify(report.statuses)} in ${report.ms} ms`,
  )
  t.ok(report.operations.length > 5, 'the OpenAPI lists the routes')
  t.same(report.failures, [], 'every answer below 500, every error problem+json')
})
