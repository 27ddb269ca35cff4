/**
 * When and as what a process exports traces (src/telemetry.ts): pure functions of the
 * environment, so the start-up module stays a few lines and the rules have unit tests.
 *
 * @see https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'

/**
 * True when traces are to be exported: `OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set (non-blank) and `OTEL_SDK_DISABLED` is not `true`.
 * Otherwise the SDK is never loaded.
 */
export function telemetryEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim())
}

/**
 * The `service.name` of this process: `OTEL_SERVICE_NAME` when set, else the name of the
 * package in `cwd` without its scope (`@kelmah/job` → `job`; every app starts in its own folder,
 * locally and in the image), else `kelmah`.
 */
export function serviceNameOf(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const explicit = env.OTEL_SERVICE_NAME?.trim()
  if (explicit) return explicit
  try {
    const pkg = JSON.parse(readFileSync(path.join(cwd, 'package.json'), 'utf8')) as { name?: unknown }
    if (typeof pkg.name === 'string' && pkg.name) return pkg.name.replace(/^@[^/]+\//, '')
  } catch {
    // No package.json here: fall through.
  }
  return 'kelmah'
}

/**
 * Defaults the SDK reads from the environment, for variables the operator left unset: traces
 * only (metrics are Prometheus' job, src/metrics.ts; logs go to stdout as JSON), so
 * `OTEL_METRICS_EXPORTER` and `OTEL_LOGS_EXPORTER` default to `none`, not to OTLP.
 */
export function sdkEnvDefaults(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {}
  if (!env.OTEL_METRICS_EXPORTER) out.OTEL_METRICS_EXPORTER = 'none'
  if (!env.OTEL_LOGS_EXPORTER) out.OTEL_LOGS_EXPORTER = 'none'
  return out
}

/** Incoming paths no span is made for: probes and scrapes, many a minute, of no interest. */
export function isUntracedPath(url: string | undefined): boolean {
  if (!url) return false
  const pathOnly = url.split('?', 1)[0]!
  return pathOnly === '/metrics' || pathOnly === '/health' || pathOnly.startsWith('/health/')
}
