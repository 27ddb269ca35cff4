/**
 * Every route of the messaging service's OpenAPI, fuzzed from its own schemas (`fuzzOpenApi`,
 * libs/testing/src/fuzz.ts): no answer is a 5xx, every error is problem+json. Replay with
 * `FUZZ_SEED=<seed>`.
 */
import { fuzzOpenApi } from '@kelmah/testing'
import t from 'tap'
import { startCluster } from '../fixtures/app.js'

t.test('no generated request to any documented route gets a 5xx or a non-problem error', async (t) => {
  const c = await startCluster(t)
  // Tokens only (no users read model rows): the fuzz is about the answers' shape, not the happy path.
  const report = await fuzzOpenApi(c.app, {
    tokens: {
      worker: c.kit.sign({ sub: 'fuzz-worker', role: 'worker' }),
      hirer: c.kit.sign({ sub: 'fuzz-hirer', role: 'hirer' }),
      // The admin routes (report queue, audit log) past their role check, with whatever ids come back.
      admin: c.kit.sign({ sub: 'fuzz-admin', role: 'admin' }),
    },
  })
  t.comment(
    `fuzz seed=${report.seed} runs=${report.numRuns}/operation: ${report.operations.length} operations, ` +
      `${report.requests} requests ${JSON.stringify(report.statuses)} in ${report.ms} ms`,
  )
  t.ok(report.operations.length > 5, 'the OpenAPI lists the routes')
  t.same(report.failures, [], 'every answer below 500, every error problem+json')
})
