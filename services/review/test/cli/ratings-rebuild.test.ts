/**
 * `npm run ratings:rebuild` (src/cli/ratings-rebuild.ts) against a real database: the stored
 * aggregates of a running app match the reviews (exit 0); a corrupted one is reported (exit 1),
 * left alone on a dry run, fixed otherwise with a new version whose RatingUpdated the running app
 * publishes; bad arguments and an unreachable database exit 2.
 */
import t from 'tap'
import { main } from '../../src/cli/ratings-rebuild.js'
import { buildTestApp, contract, relayed, reviewed } from '../fixtures/app.js'

const ta = await buildTestApp()
t.teardown(() => ta.close())

function output() {
  const lines: string[] = []
  return { lines, out: { log: (l: string) => lines.push(l), error: (l: string) => lines.push(l) } }
}
const run = (args: string[] = []) => {
  const o = output()
  return main(args, { MONGO_URL: ta.mongoUrl }, o.out).then((code) => ({ code, text: o.lines.join('\n') }))
}

t.test('matches, then finds, reports and fixes a corrupted aggregate', async (t) => {
  const c = await contract(ta)
  const r = await reviewed(ta, c.hirer, c, { rating: 4 })
  await reviewed(ta, c.worker, c, { rating: 5 })
  await relayed(ta, r.id)
  await ta.probe.waitFor(
    (e) => e.type === 'RatingUpdated' && (e.data as { userId: string }).userId === c.worker.id,
  )
  const ok = await run()
  t.equal(ok.code, 0, ok.text)
  t.match(ok.text, /OK — 2 users/)

  // A wrong version slipped in (as a lost write or a bug would leave): count 3, sum 6.
  const bogus = {
    _id: `${c.worker.id}:2`,
    userId: c.worker.id,
    sequence: 2,
    figures: {
      count: 3,
      sum: 6,
      stars: { 1: 1, 2: 1, 3: 1, 4: 0, 5: 0 },
      aspects: {
        communication: { sum: 0, count: 0 },
        quality: { sum: 0, count: 0 },
        timeliness: { sum: 0, count: 0 },
        professionalism: { sum: 0, count: 0 },
      },
    },
    average: 2,
    bayesianScore: 3.5,
    cause: 'corrupted',
    createdAt: new Date(),
    version: 0,
    outbox: [],
  }
  await ta.app.mongo.collection('ratings').insertOne(bogus as never)

  const dry = await run(['--dry-run'])
  t.equal(dry.code, 1, dry.text)
  t.match(dry.text, /1 MISMATCH\(ES\) over 2 users \(dry run/)
  t.match(dry.text, new RegExp(`${c.worker.id}: stored #2 count 3 avg 2; from the reviews count 1 avg 4`))
  t.match(dry.text, /count: stored 3 ≠ 1/)
  t.equal(
    await ta.app.mongo.collection('ratings').countDocuments({ userId: c.worker.id }),
    2,
    'nothing written',
  )

  const fix = await run(['--json'])
  t.equal(fix.code, 1)
  const report = JSON.parse(fix.text)
  t.match(report, { users: 2, dryRun: false, mismatches: [{ userId: c.worker.id, fixedAs: 3 }] })
  const event = await ta.probe.waitFor(
    (e) =>
      e.type === 'RatingUpdated' &&
      (e.data as { userId: string; sequence: number }).userId === c.worker.id &&
      (e.data as { sequence: number }).sequence === 3,
  )
  t.same(event.data, { userId: c.worker.id, average: 4, count: 1, sequence: 3, bayesianScore: 4 })
  const again = await run()
  t.equal(again.code, 0, again.text)
})

t.test('bad arguments and an unreachable database exit 2', async (t) => {
  t.equal((await run(['--nope'])).code, 2)
  const o = output()
  const code = await main([], { MONGO_URL: 'mongodb://127.0.0.1:9/kelmah_review' }, o.out)
  t.equal(code, 2)
  t.match(o.lines.join('\n'), /could not run/)
  const bad = output()
  t.equal(await main([], { MONGO_URL: 'http://nope' }, bad.out), 2)
  t.equal((await run(['--help'])).code, 0)
})
