/** The part of autocannon's API the rolling-restart drill uses (autocannon ships no types). */
declare module 'autocannon' {
  /** One request of a `requests` sequence. */
  interface RequestSpec {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string
    /** Called with each answer of this request (autocannon reads the body only when this is set). */
    onResponse?: (status: number, body: string, context: Record<string, unknown>) => void
  }
  interface Options {
    url: string
    connections?: number
    /** Requests per second across all connections (default: as fast as answers come). */
    overallRate?: number
    /** Seconds. */
    duration?: number
    /** Seconds a request may take before it counts as a timeout. */
    timeout?: number
    method?: string
    headers?: Record<string, string>
    body?: string
    requests?: RequestSpec[]
  }
  interface Result {
    requests: { average: number; total: number; sent: number }
    latency: { p50: number; p99: number; average: number; max: number }
    non2xx: number
    errors: number
    timeouts: number
    statusCodeStats: Record<string, { count: number }>
  }
  /** The running load: an event emitter that is also the promise of its result. */
  interface Instance extends PromiseLike<Result> {
    /** Each answer: the HTTP status and the time it took (ms). */
    on(
      event: 'response',
      listener: (client: unknown, status: number, bytes: number, ms: number) => void,
    ): this
    /** A request that got no answer (connection refused or reset, timeout). */
    on(event: 'reqError', listener: (err: Error) => void): this
    stop(): void
  }
  function autocannon(opts: Options): Instance
  export default autocannon
}
