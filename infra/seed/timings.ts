/**
 * Per-route timing of the seed's calls (`--timings`): every answer the SDK's transport hands back
 * is counted under its method and route (ids in the path replaced by `:id`, the query dropped),
 * so a slow endpoint shows up by name with its p50/p95 — what a seed run's phase times alone
 * cannot say.
 */
import type { CallRecord } from '../demo/transport.js'

/** One route's figures, milliseconds. */
export interface RouteTiming {
  /** e.g. `POST /api/applications/:id/accept`. */
  route: string
  count: number
  p50: number
  p95: number
  max: number
  /** Sum of every call's milliseconds (calls overlap, so this is not wall time). */
  totalMs: number
}

/** A path segment that is an id: 24 hex (ObjectId), a UUID, or a long mix of letters and digits. */
const ID_SEGMENT = /^(?:[0-9a-f]{24}|[0-9a-f-]{36}|(?=.*\d)[A-Za-z0-9_-]{16,})$/

/** `/api/jobs/665f…/applications?x=1` → `/api/jobs/:id/applications`. */
export function routeOf(path: string): string {
  const bare = path.split('?')[0] ?? path
  return bare
    .split('/')
    .map((s) => (ID_SEGMENT.test(s) ? ':id' : s))
    .join('/')
}

/** Collects {@link CallRecord}s and reports them by route. */
export class RouteTimings {
  private readonly byRoute = new Map<string, number[]>()

  /** Count one answer (pass as the transport's `onResponse`). */
  record = (call: CallRecord): void => {
    const key = `${call.method} ${routeOf(call.path)}`
    const list = this.byRoute.get(key) ?? []
    list.push(call.ms)
    this.byRoute.set(key, list)
  }

  /** Every route, the most total time first. */
  report(): RouteTiming[] {
    const pick = (sorted: number[], q: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
    return [...this.byRoute.entries()]
      .map(([route, ms]) => {
        const sorted = [...ms].sort((a, b) => a - b)
        return {
          route,
          count: sorted.length,
          p50: pick(sorted, 0.5),
          p95: pick(sorted, 0.95),
          max: sorted.at(-1) ?? 0,
          totalMs: sorted.reduce((a, b) => a + b, 0),
        }
      })
      .sort((a, b) => b.totalMs - a.totalMs)
  }

  /** The report as aligned lines. */
  lines(): string[] {
    const rows = this.report()
    const width = Math.max(10, ...rows.map((r) => r.route.length))
    return [
      `${'route'.padEnd(width)}  ${'calls'.padStart(6)}  ${'p50 ms'.padStart(7)}  ${'p95 ms'.padStart(7)}  ${'max ms'.padStart(7)}  ${'sum s'.padStart(7)}`,
      ...rows.map(
        (r) =>
          `${r.route.padEnd(width)}  ${String(r.count).padStart(6)}  ${String(r.p50).padStart(7)}  ${String(r.p95).padStart(7)}  ${String(r.max).padStart(7)}  ${(r.totalMs / 1000).toFixed(1).padStart(7)}`,
      ),
    ]
  }
}
