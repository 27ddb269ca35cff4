/**
 * What reading the revocation mark at the edge costs (issue 14, item 5): Redis round trips per
 * request, the way the gateway issues them. A script, not a test:
 * `npx tsx --conditions=development gateway/bench/edge-revocation.ts`.
 *
 * Three ways, each N requests from C concurrent "clients" on one auto-pipelined ioredis
 * connection (as service-kit opens it):
 * - `rate limit only` — @fastify/rate-limit's own Lua script (the gateway before the change);
 * - `combined` — src/plugins/rate-limit.ts's EDGE_SCRIPT: the count and the mark in one command;
 * - `rate limit + GET` — the naive check: the library's script, then a separate GET awaited.
 * Prints µs per request and requests/s for each; compare the ratios, the machine is shared.
 */
import { Redis } from 'ioredis'
import { EDGE_SCRIPT } from '../src/plugins/rate-limit.js'

const N = Number(process.env.BENCH_N ?? 40_000)
const C = Number(process.env.BENCH_C ?? 50)
const ns = `bench-rev-${process.pid}:`
const LIBRARY = `
local key = KEYS[1]
local timeWindow = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local continueExceeding = ARGV[3] == 'true'
local exponentialBackoff = ARGV[4] == 'true'
local current = redis.call('INCR', key)
if current == 1 or (continueExceeding and current > max) then
  redis.call('PEXPIRE', key, timeWindow)
else
  timeWindow = redis.call('PTTL', key)
end
return {current, timeWindow}
`
type R = Redis & {
  lib(k: string, w: number, m: number, c: string, e: string): Promise<unknown>
  edge(k: string, m: string, w: number, r: string): Promise<unknown>
}
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  enableAutoPipelining: true,
}) as R
redis.defineCommand('lib', { numberOfKeys: 1, lua: LIBRARY })
redis.defineCommand('edge', { numberOfKeys: 2, lua: EDGE_SCRIPT })

async function run(name: string, one: (i: number) => Promise<unknown>) {
  let next = 0
  const started = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < N) await one(next++)
    }),
  )
  const us = Number(process.hrtime.bigint() - started) / 1000
  return { name, usPerRequest: +(us / N).toFixed(2), perSecond: Math.round(N / (us / 1e6)) }
}

const user = (i: number) => `u${i % 500}`
const ways = {
  'rate limit only': (i: number) => redis.lib(`${ns}api:user:${user(i)}`, 60_000, 1e9, 'false', 'false'),
  combined: (i: number) => redis.edge(`${ns}api:user:${user(i)}`, `${ns}revoked:${user(i)}`, 60_000, '1'),
  'rate limit + GET': async (i: number) => {
    await redis.lib(`${ns}api:user:${user(i)}`, 60_000, 1e9, 'false', 'false')
    await redis.get(`${ns}revoked:${user(i)}`)
  },
}
const rows = []
for (let round = 0; round < 3; round++)
  for (const [name, one] of Object.entries(ways)) rows.push({ round, ...(await run(name, one)) })
console.table(rows)
const keys = await redis.keys(`${ns}*`)
if (keys.length) await redis.del(...keys)
redis.disconnect()
