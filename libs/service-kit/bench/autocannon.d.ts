/** The small part of autocannon's API the benchmark uses (autocannon ships no types). */
declare module 'autocannon' {
  interface Options {
    url: string
    connections?: number
    duration?: number
    amount?: number
    headers?: Record<string, string>
  }
  interface Result {
    requests: { average: number; total: number }
    latency: { p50: number; p99: number; average: number }
    non2xx: number
    errors: number
    timeouts: number
  }
  function autocannon(opts: Options): Promise<Result>
  export default autocannon
}
