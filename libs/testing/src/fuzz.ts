/**
 * An OpenAPI-driven fuzz test: for every operation an app documents at `/openapi.json`, requests
 * are generated from the operation's own JSON Schemas — path, query and header parameters and the
 * JSON body — mostly valid, with wrong types, edge numbers, oversized and odd strings, missing and
 * extra fields mixed in at every level, sent with each caller's token and without, and every answer
 * must be below 500, and every error `application/problem+json` with a matching `status` (issue 14,
 * item 3).
 *
 * Generation is `fast-check` (https://fast-check.dev) with a fixed, printed seed: the same seed
 * against the same code generates the same requests (`FUZZ_SEED=<n>` to replay, `FUZZ_RUNS=<n>`
 * per operation to dig deeper). Ids seen in successful answers are fed back into later path
 * parameters so deeper routes (`/jobs/:id/applications`) meet real resources, not only 404s — those
 * depend on the server's random ids, so a failure is also printed as the concrete request.
 *
 * ```ts
 * const report = await fuzzOpenApi(app, { tokens: { hirer: hirer.token, worker: worker.token } })
 * t.same(report.failures, [])
 * ```
 */
import fc from 'fast-check'

/** What the fuzzer needs of an app: Fastify's `inject` (a service-kit app has it). */
export interface FuzzTarget {
  inject(opts: {
    method: string
    url: string
    payload?: string
    headers?: Record<string, string>
  }): PromiseLike<{ statusCode: number; headers: Record<string, unknown>; body: string }>
}

/** Options of {@link fuzzOpenApi}. */
export interface FuzzOptions {
  /** Bearer tokens by name (`hirer`, `admin`, …); each request picks one of them or none. */
  tokens?: Record<string, string>
  /** Generated requests per operation. Default `FUZZ_RUNS` or 12. */
  numRuns?: number
  /** fast-check seed. Default `FUZZ_SEED` or 14. */
  seed?: number
  /** Skip operations (`'POST /api/auth/register'`) — say why where you call it. */
  skip?: string[]
  /** The OpenAPI document's URL on the app. Default `/openapi.json`. */
  specUrl?: string
}

/** One request that broke the rule, as sent. */
export interface FuzzFailure {
  operation: string
  request: { method: string; url: string; headers: Record<string, string>; body?: string }
  status: number
  contentType: string
  body: string
  reason: string
}

/** What a run did. */
export interface FuzzReport {
  seed: number
  numRuns: number
  operations: string[]
  requests: number
  /** Requests answered per status class (`2xx`, `4xx`, …). */
  statuses: Record<string, number>
  failures: FuzzFailure[]
  ms: number
}

type Schema = Record<string, unknown> & {
  type?: string | string[]
  properties?: Record<string, Schema>
  required?: string[]
  items?: Schema
  anyOf?: Schema[]
  oneOf?: Schema[]
  allOf?: Schema[]
  enum?: unknown[]
  const?: unknown
}

interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie'
  name: string
  required?: boolean
  schema?: Schema
}

interface Operation {
  parameters?: Parameter[]
  requestBody?: { content?: Record<string, { schema?: Schema }> }
  security?: unknown[]
}

/** A generated request before its ids are resolved. */
interface Draft {
  path: Record<string, unknown>
  query: Record<string, unknown>
  headers: Record<string, unknown>
  body: unknown
  hasBody: boolean
  token: string | undefined
  /** Use an id seen earlier for each path parameter (index into the pool), or the generated one. */
  reuse: number | null
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const

/** Numbers that break naive code: zero, negatives, fractions, unsafe integers, huge doubles. */
const EDGE_NUMBERS = [0, -1, 1, 0.5, 2 ** 31, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308]

/** Strings that break naive code: empty, whitespace, markup, operators, path tricks, long, odd Unicode. */
const EDGE_STRINGS = [
  '',
  ' ',
  '\u0000',
  '$where',
  '{"$gt":""}',
  '../../etc/passwd',
  '%00',
  '<script>',
  'null',
  '0',
  '-1',
  'true',
  '𝕂élmah',
  '\u202e',
  'x'.repeat(300),
  'y'.repeat(10_000),
  '65a1f0c2e4b0a1b2c3d4e5f6',
  'esc_65a1f0c2e4b0a1b2c3d4e5f6_1',
]

/** Any JSON-ish value of the wrong kind. */
const wild: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...EDGE_STRINGS),
  fc.constantFrom(...EDGE_NUMBERS),
  fc.constantFrom(null, true, false, [], {}),
  fc.string({ maxLength: 40, unit: 'grapheme' }),
  fc.jsonValue({ maxDepth: 2 }),
)

function isoDate(): fc.Arbitrary<string> {
  return fc
    .date({
      min: new Date('1990-01-01T00:00:00Z'),
      max: new Date('2100-01-01T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString())
}

/** The first `n` code points of `v` (never half a surrogate pair; ajv counts code points too). */
function cut(v: string, n: number): string {
  return Array.from(v).slice(0, n).join('')
}

function stringArb(s: Schema): fc.Arbitrary<string> {
  const base = baseStringArb(s)
  const max = typeof s.maxLength === 'number' ? s.maxLength : undefined
  if (max === undefined || max > 20_000) return base
  // The boundary, where a route and the code (or event) behind it disagree: exactly maxLength
  // characters of what the schema generates.
  const atMax = base.map((v) =>
    v.length > 0 ? cut(v.repeat(Math.ceil(max / v.length)), max) : 'a'.repeat(max),
  )
  return fc.oneof({ weight: 4, arbitrary: base }, { weight: 1, arbitrary: atMax })
}

function baseStringArb(s: Schema): fc.Arbitrary<string> {
  const min = typeof s.minLength === 'number' ? s.minLength : 0
  const max = typeof s.maxLength === 'number' ? s.maxLength : undefined
  const fit = (v: string) => (max !== undefined ? cut(v, max) : v)
  switch (s.format) {
    case 'email':
      return fc.emailAddress().map(fit)
    case 'uri':
    case 'url':
      return fc.webUrl().map(fit)
    case 'date-time':
      return isoDate()
    case 'date':
      return isoDate().map((d) => d.slice(0, 10))
    default:
  }
  if (typeof s.pattern === 'string') {
    let re: RegExp | undefined
    try {
      re = new RegExp(s.pattern)
    } catch {
      re = undefined
    }
    if (re) return fc.stringMatching(re, { size: 'small' }).map(fit)
  }
  return fc.string({ minLength: min, maxLength: Math.min(max ?? 60, 60), unit: 'grapheme' })
}

function numberArb(s: Schema, integer: boolean): fc.Arbitrary<number> {
  const min =
    typeof s.minimum === 'number'
      ? s.minimum
      : typeof s.exclusiveMinimum === 'number'
        ? s.exclusiveMinimum + 1
        : -1e6
  const max =
    typeof s.maximum === 'number'
      ? s.maximum
      : typeof s.exclusiveMaximum === 'number'
        ? s.exclusiveMaximum - 1
        : 1e9
  const bounds = [min, max].filter((n) => Number.isFinite(n))
  const inRange = integer
    ? fc.integer({
        min: Math.max(Math.ceil(min), Number.MIN_SAFE_INTEGER),
        max: Math.min(Math.floor(max), Number.MAX_SAFE_INTEGER),
      })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true })
  return fc.oneof({ weight: 4, arbitrary: inRange }, { weight: 1, arbitrary: fc.constantFrom(...bounds) })
}

/**
 * An arbitrary of values for JSON Schema `s` (the subset route schemas use: type, const, enum,
 * anyOf/oneOf, object/array/string/number limits, formats, patterns). With `chaos`, every node may
 * instead be a wild value, and objects may lose required keys or gain unknown ones.
 */
export function arbitraryOf(s: Schema | undefined, chaos: boolean, depth = 0): fc.Arbitrary<unknown> {
  const exact = exactArb(s, chaos, depth)
  return chaos ? fc.oneof({ weight: 6, arbitrary: exact }, { weight: 1, arbitrary: wild }) : exact
}

function exactArb(s: Schema | undefined, chaos: boolean, depth: number): fc.Arbitrary<unknown> {
  if (!s || depth > 6) return fc.jsonValue({ maxDepth: 1 })
  if ('const' in s) return fc.constant(s.const)
  if (Array.isArray(s.enum) && s.enum.length > 0) return fc.constantFrom(...s.enum)
  const alternatives = s.anyOf ?? s.oneOf
  if (alternatives?.length) return fc.oneof(...alternatives.map((a) => arbitraryOf(a, chaos, depth + 1)))
  if (s.allOf?.length) return arbitraryOf(s.allOf[0], chaos, depth + 1)
  const type = Array.isArray(s.type) ? s.type : s.type ? [s.type] : undefined
  if (type && type.length > 1) {
    return fc.oneof(...type.map((one) => exactArb({ ...s, type: one }, chaos, depth)))
  }
  switch (type?.[0] ?? 'object') {
    case 'string':
      return stringArb(s)
    case 'integer':
      return numberArb(s, true)
    case 'number':
      return numberArb(s, false)
    case 'boolean':
      return fc.boolean()
    case 'null':
      return fc.constant(null)
    case 'array': {
      const minLength = typeof s.minItems === 'number' ? s.minItems : 0
      const maxLength = Math.max(minLength, Math.min(typeof s.maxItems === 'number' ? s.maxItems : 4, 4))
      return fc.array(arbitraryOf(s.items, chaos, depth + 1), { minLength, maxLength })
    }
    case 'object':
    default: {
      if (!s.properties)
        return type?.[0] === 'object'
          ? fc.dictionary(fc.string({ maxLength: 8 }), wild, { maxKeys: 3 })
          : wild
      const props = Object.fromEntries(
        Object.entries(s.properties).map(([k, v]) => [k, arbitraryOf(v, chaos, depth + 1)]),
      )
      const required = (s.required ?? []).filter((k) => k in props)
      const record = fc.record(props, { requiredKeys: chaos ? [] : required })
      if (!chaos) return record
      return fc
        .tuple(record, fc.option(fc.tuple(fc.constantFrom('__proto__', 'constructor', '_id', 'extra'), wild)))
        .map(([r, extra]) => (extra ? { ...r, [extra[0]]: extra[1] } : r))
    }
  }
}

function paramSchema(params: Parameter[], where: Parameter['in']): Schema {
  const own = params.filter((p) => p.in === where)
  return {
    type: 'object',
    properties: Object.fromEntries(own.map((p) => [p.name, p.schema ?? { type: 'string' }])),
    required: own.filter((p) => p.required || where === 'path').map((p) => p.name),
  }
}

function text(v: unknown): string {
  if (typeof v === 'string') return v
  if (v === undefined) return ''
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v)
  return JSON.stringify(v) ?? ''
}

/** Header values as Node accepts them (visible ASCII and spaces), so the generator never trips the client. */
function headerText(v: unknown): string {
  return text(v)
    .replace(/[^\x20-\x7e]/g, '')
    .trim()
    .slice(0, 2000)
}

/** Ids (24 hex, prefixed ids) in a JSON answer, to reuse as path parameters. */
function harvest(body: string, pool: string[]): void {
  if (pool.length >= 200) return
  for (const m of body.matchAll(/"(?:id|[a-zA-Z]+Id)":"([A-Za-z0-9_-]{6,64})"/g)) {
    if (!pool.includes(m[1]!)) pool.push(m[1]!)
  }
}

/**
 * The rule every answer must follow: not 5xx; an error is problem+json whose `status` is the
 * HTTP status. Returns the reason it was broken, or undefined.
 */
export function brokenRule(res: {
  statusCode: number
  headers: Record<string, unknown>
  body: string
}): string | undefined {
  if (res.statusCode >= 500) return `${res.statusCode} for a client's request`
  if (res.statusCode < 400) return undefined
  const type = contentTypeOf(res.headers)
  if (!/^application\/problem\+json/.test(type))
    return `error ${res.statusCode} as ${type || 'no content type'}`
  try {
    const body = JSON.parse(res.body) as { status?: unknown; title?: unknown }
    if (body.status !== res.statusCode) return `problem.status ${String(body.status)} ≠ ${res.statusCode}`
    if (typeof body.title !== 'string') return 'problem without title'
  } catch {
    return 'problem body is not JSON'
  }
  return undefined
}

/**
 * Fuzz every operation of `app`'s OpenAPI document (see the module comment).
 *
 * @returns what was sent and every request that broke the rule (empty when all is well)
 */
export async function fuzzOpenApi(app: FuzzTarget, opts: FuzzOptions = {}): Promise<FuzzReport> {
  const started = Date.now()
  const seed = opts.seed ?? Number(process.env.FUZZ_SEED ?? 14)
  const numRuns = opts.numRuns ?? Number(process.env.FUZZ_RUNS ?? 12)
  const specRes = await app.inject({ method: 'GET', url: opts.specUrl ?? '/openapi.json' })
  const spec = JSON.parse(specRes.body) as { paths?: Record<string, Record<string, Operation>> }
  const tokens = Object.values(opts.tokens ?? {})
  const pool: string[] = []
  const report: FuzzReport = { seed, numRuns, operations: [], requests: 0, statuses: {}, failures: [], ms: 0 }

  for (const [template, item] of Object.entries(spec.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method]
      if (!op) continue
      const name = `${method.toUpperCase()} ${template}`
      if (opts.skip?.includes(name)) continue
      report.operations.push(name)
      const params = op.parameters ?? []
      const bodySchema = op.requestBody?.content?.['application/json']?.schema
      const draft = (chaos: boolean): fc.Arbitrary<Draft> =>
        fc.record({
          path: arbitraryOf(paramSchema(params, 'path'), false).chain((ok) =>
            chaos ? arbitraryOf(paramSchema(params, 'path'), true) : fc.constant(ok),
          ) as fc.Arbitrary<Record<string, unknown>>,
          query: arbitraryOf(paramSchema(params, 'query'), false).chain((ok) =>
            chaos ? arbitraryOf(paramSchema(params, 'query'), true) : fc.constant(ok),
          ) as fc.Arbitrary<Record<string, unknown>>,
          headers: arbitraryOf(paramSchema(params, 'header'), chaos) as fc.Arbitrary<Record<string, unknown>>,
          body: bodySchema ? arbitraryOf(bodySchema, chaos) : fc.constant(undefined),
          hasBody: fc.constant(Boolean(bodySchema)),
          token: tokens.length ? fc.option(fc.constantFrom(...tokens), { freq: 5 }) : fc.constant(null),
          reuse: fc.option(fc.nat(), { freq: 2 }),
        }) as fc.Arbitrary<Draft>
      const arb = fc.oneof(draft(false), draft(true))
      const before = report.failures.length

      await fc
        .assert(
          fc.asyncProperty(arb, async (d) => {
            const url =
              template.replace(/\{([^}]+)\}/g, (_m, key: string) => {
                const generated = d.path?.[key]
                const value = d.reuse !== null && pool.length > 0 ? pool[d.reuse % pool.length] : generated
                return encodeURIComponent(text(value))
              }) + queryString(d.query)
            const headers: Record<string, string> = {}
            for (const [k, v] of Object.entries(d.headers ?? {})) {
              const value = headerText(v)
              if (value) headers[k.toLowerCase()] = value
            }
            if (d.token) headers.authorization = `Bearer ${d.token}`
            let payload: string | undefined
            if (d.hasBody && d.body !== undefined) {
              payload = JSON.stringify(d.body)
              headers['content-type'] = 'application/json'
            }
            const res = await app.inject({
              method: method.toUpperCase(),
              url,
              headers,
              ...(payload ? { payload } : {}),
            })
            report.requests += 1
            const cls = `${Math.floor(res.statusCode / 100)}xx`
            report.statuses[cls] = (report.statuses[cls] ?? 0) + 1
            if (res.statusCode < 300) harvest(res.body, pool)
            const reason = brokenRule(res)
            if (reason) {
              const failure: FuzzFailure = {
                operation: name,
                request: {
                  method: method.toUpperCase(),
                  url,
                  headers: {
                    ...headers,
                    ...(headers.authorization ? { authorization: 'Bearer <token>' } : {}),
                  },
                  ...(payload ? { body: payload.slice(0, 2000) } : {}),
                },
                status: res.statusCode,
                contentType: contentTypeOf(res.headers),
                body: res.body.slice(0, 1000),
                reason,
              }
              report.failures.push(failure)
              return false
            }
            return true
          }),
          { seed, numRuns, endOnFailure: true },
        )
        .catch((err: unknown) => {
          // A broken rule is in the report already; anything else (the request could not be
          // sent, the generator failed) is a failure of its own, never silently dropped.
          if (report.failures.length > before) return
          report.failures.push({
            operation: name,
            request: { method: method.toUpperCase(), url: template, headers: {} },
            status: 0,
            contentType: '',
            body: '',
            reason: `fuzzer error: ${err instanceof Error ? err.message.slice(0, 1000) : String(err)}`,
          })
        })
    }
  }
  report.ms = Date.now() - started
  return report
}

function contentTypeOf(headers: Record<string, unknown>): string {
  const value = headers['content-type']
  return typeof value === 'string' ? value : ''
}

function queryString(query: Record<string, unknown> | undefined): string {
  const search = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined) continue
    if (Array.isArray(v)) for (const one of v) search.append(k, text(one))
    else search.append(k, text(v))
  }
  const s = search.toString()
  return s ? `?${s}` : ''
}
