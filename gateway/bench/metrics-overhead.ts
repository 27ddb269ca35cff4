/**
 * The cost of service-kit's metrics on a request, measured in one run: two Fastify apps, the same
 * but for the metrics plugin (its onResponse hook observing the latency histogram), each under
 * autocannon in turn, alternating, on loopback. Prints req/s, p99 and the difference per request.
 *
 *   cd gateway && node --conditions=development --import tsx bench/metrics-overhead.ts
 */
import autocannon from 'autocannon'
import Fastify from 'fastify'
import { health, metrics } from '@kelmah/service-kit'

async function app(withMetrics: boolean) {
  const a = Fastify({ logger: false })
  await a.register(health, { service: 'bench' })
  if (withMetrics) await a.register(metrics, { service: 'bench' })
  a.get('/things/:id', async (request) => ({ id: (request.params as { id: string }).id }))
  return { a, url: await a.listen({ port: 0, host: '127.0.0.1' }) }
}

const run = (url: string) => autocannon({ url: `${url}/things/abc`, connections: 10, duration: 8 })

const without = await app(false)
const withM = await app(true)
const results: Record<string, { rps: number[]; p99: number[] }> = {
  without: { rps: [], p99: [] },
  with: { rps: [], p99: [] },
}
await run(without.url) // warm-up
await run(withM.url)
for (let round = 0; round < 3; round++) {
  for (const [name, target] of [
    ['without', without],
    ['with', withM],
  ] as const) {
    const r = await run(target.url)
    results[name]!.rps.push(r.requests.average)
    results[name]!.p99.push(r.latency.p99)
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const a = median(results.without!.rps)
const b = median(results.with!.rps)
console.log(JSON.stringify(results))
console.log(
  `without metrics: ${Math.round(a)} req/s (p99 ${median(results.without!.p99)} ms); with: ${Math.round(b)} req/s (p99 ${median(results.with!.p99)} ms); ` +
    `${((1 - b / a) * 100).toFixed(1)} % fewer req/s, ≈ ${(1e6 / b - 1e6 / a).toFixed(2)} µs per request`,
)
await without.a.close()
await withM.a.close()
