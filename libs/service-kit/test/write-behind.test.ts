import fc from 'fast-check'
import t from 'tap'
import { LatestWrites } from '../src/index.js'

/** A store whose writes take `delay` ms and refuse an older value, as a guarded update does. */
function guardedStore(delayMs: () => number) {
  const stored = new Map<string, number>()
  const writes: Array<[string, number]> = []
  const write = async (key: string, value: number) => {
    await new Promise((r) => setTimeout(r, delayMs()))
    writes.push([key, value])
    if ((stored.get(key) ?? -Infinity) <= value) stored.set(key, value)
  }
  return { stored, writes, write }
}

t.test('values noted while a write runs collapse into one write of the newest', async (t) => {
  const s = guardedStore(() => 20)
  const w = new LatestWrites({ write: s.write, supersedes: (a, b) => a >= b, onError: () => t.fail() })
  for (let v = 1; v <= 10; v++) w.note('c1', v)
  await new Promise((r) => setTimeout(r, 5))
  for (let v = 11; v <= 30; v++) w.note('c1', v)
  w.note('c1', 3) // older than what is queued: dropped
  t.equal(w.pending, 1)
  await w.settled()
  t.same(s.writes, [
    ['c1', 10],
    ['c1', 30],
  ])
  t.equal(s.stored.get('c1'), 30)
  t.equal(w.pending, 0)
})

t.test('settled waits only for the keys asked about; close writes out everything', async (t) => {
  const s = guardedStore(() => 30)
  const w = new LatestWrites({ write: s.write, supersedes: (a, b) => a >= b, onError: () => t.fail() })
  w.note('fast', 1)
  await w.settled((k) => k === 'fast')
  t.equal(s.stored.get('fast'), 1)
  w.note('slow', 2)
  w.note('other', 3)
  await w.settled((k) => k === 'slow')
  t.equal(s.stored.get('slow'), 2)
  await w.close()
  t.equal(s.stored.get('other'), 3)
})

t.test('a failed write is retried, then reported and dropped; a newer value replaces a retry', async (t) => {
  let failures = 2
  const written: number[] = []
  const errors: unknown[] = []
  const w = new LatestWrites<string, number>({
    write: async (_k, v) => {
      if (failures-- > 0) throw new Error('down')
      written.push(v)
    },
    supersedes: (a, b) => a >= b,
    onError: (err) => errors.push(err),
    retryDelaysMs: [1, 1],
  })
  w.note('k', 1)
  await w.settled()
  t.same(written, [1], 'written on the third attempt')
  failures = 10
  w.note('k', 2)
  await w.settled()
  t.equal(errors.length, 1, 'reported once after the retries')
  t.same(written, [1])
  const loud = new LatestWrites<string, number>({
    write: async () => {
      throw new Error('down')
    },
    supersedes: (a, b) => a >= b,
    onError: () => {
      throw new Error('the reporter fails too')
    },
    retryDelaysMs: [],
  })
  loud.note('k', 1)
  await loud.settled()
  t.equal(loud.failed, 1, 'a reporter that throws breaks nothing; the failure is counted')
  failures = 1
  const slow = new LatestWrites<string, number>({
    write: async (_k, v) => {
      await new Promise((r) => setTimeout(r, 5))
      if (failures-- > 0) throw new Error('down')
      written.push(v)
    },
    supersedes: (a, b) => a >= b,
    onError: () => t.fail('a newer value was queued: nothing to report'),
    retryDelaysMs: [1000],
  })
  slow.note('k', 3)
  await new Promise((r) => setTimeout(r, 1))
  slow.note('k', 4)
  await slow.settled()
  t.same(written, [1, 4], 'the failed older write is not retried: the newer one is written')
})

t.test('property: every key ends at its newest value, with no more writes than notes', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 1000 }), fc.nat(3)), {
        minLength: 1,
        maxLength: 60,
      }),
      async (notes) => {
        const s = guardedStore(() => Math.floor(Math.random() * 3))
        const w = new LatestWrites({ write: s.write, supersedes: (a, b) => a >= b, onError: () => {} })
        for (const [key, value, pause] of notes) {
          w.note(key, value)
          if (pause) await new Promise((r) => setTimeout(r, pause))
        }
        await w.settled()
        for (const key of new Set(notes.map(([k]) => k))) {
          const max = Math.max(...notes.filter(([k]) => k === key).map(([, v]) => v))
          if (s.stored.get(key) !== max) return false
        }
        return s.writes.length <= notes.length && w.pending === 0
      },
    ),
    { numRuns: 50 },
  )
  t.pass()
})

t.test(
  'maxInFlight bounds the writes running at once over all keys; waiting keys write their newest',
  async (t) => {
    let running = 0
    let most = 0
    const written: Array<[string, number]> = []
    const w = new LatestWrites<string, number>({
      write: async (k, v) => {
        running++
        most = Math.max(most, running)
        await new Promise((r) => setTimeout(r, 5))
        written.push([k, v])
        running--
      },
      supersedes: (a, b) => a >= b,
      onError: () => t.fail(),
      maxInFlight: 2,
    })
    for (let v = 1; v <= 3; v++) for (const k of ['a', 'b', 'c', 'd', 'e']) w.note(k, v)
    await w.settled()
    t.equal(most, 2)
    t.same(
      written.map(([, v]) => v),
      [3, 3, 3, 3, 3],
      'one write per key, of its newest value',
    )
  },
)
