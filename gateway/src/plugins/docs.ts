/**
 * Combined OpenAPI docs: each routed service's `/openapi.json` (service-kit serves it) merged with
 * the gateway's own routes into one OpenAPI 3.1 document at `/docs/json` (and `/docs/yaml`),
 * rendered by `@fastify/swagger-ui` at `/docs`.
 *
 * Only paths under a service's own prefixes are taken (a service cannot document another's URL
 * space). Components of the same name and different content are renamed `<service>_<name>` and
 * their `$ref`s rewritten. An upstream that cannot be fetched within `PROBE_TIMEOUT_MS` is left
 * out and named in `info.description`. The result is reused for `DOCS_CACHE_MS`.
 */
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import { isDeepStrictEqual } from 'node:util'
import type { RoutedService } from '../routes.js'

/** The parts of an OpenAPI document the merge reads. */
export interface OpenApiDoc {
  openapi?: string
  info?: { title?: string; description?: string; version?: string }
  paths?: Record<string, unknown>
  components?: Record<string, Record<string, unknown>>
  tags?: Array<{ name: string; description?: string }>
  [k: string]: unknown
}

/** Replace every `$ref` found in `renames` (deep copy). */
function rewriteRefs<T>(value: T, renames: Map<string, string>): T {
  if (renames.size === 0) return value
  if (Array.isArray(value)) return (value as unknown[]).map((v) => rewriteRefs(v, renames)) as T
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === '$ref' && typeof v === 'string' ? (renames.get(v) ?? v) : rewriteRefs(v, renames)
    }
    return out as T
  }
  return value
}

const isUnder = (path: string, prefixes: string[]) =>
  prefixes.some((p) => path === p || path.startsWith(`${p}/`))

/**
 * Merge service documents into `base` (not mutated).
 *
 * @param base - the gateway's own document (info, security schemes, its routes)
 * @param docs - per service: its document and the prefixes it owns
 * @param missing - services whose document could not be fetched (named in the description)
 */
export function mergeOpenApi(
  base: OpenApiDoc,
  docs: Array<{ service: string; prefixes: string[]; doc: OpenApiDoc }>,
  missing: string[],
): OpenApiDoc {
  const paths: Record<string, unknown> = { ...base.paths }
  const components: Record<string, Record<string, unknown>> = {}
  for (const [type, entries] of Object.entries(base.components ?? {})) components[type] = { ...entries }
  const tags = new Map((base.tags ?? []).map((t) => [t.name, t]))

  for (const { service, prefixes, doc } of docs) {
    const renames = new Map<string, string>()
    for (const [type, entries] of Object.entries(doc.components ?? {})) {
      for (const [name, value] of Object.entries(entries ?? {})) {
        const existing = components[type]?.[name]
        if (existing !== undefined && !isDeepStrictEqual(existing, value))
          renames.set(`#/components/${type}/${name}`, `#/components/${type}/${service}_${name}`)
      }
    }
    for (const [type, entries] of Object.entries(rewriteRefs(doc.components ?? {}, renames))) {
      const target = (components[type] ??= {})
      for (const [name, value] of Object.entries(entries ?? {})) {
        const renamed = renames.get(`#/components/${type}/${name}`)
        target[renamed ? renamed.split('/').at(-1)! : name] = value
      }
    }
    for (const [path, item] of Object.entries(rewriteRefs(doc.paths ?? {}, renames))) {
      if (isUnder(path, prefixes)) paths[path] = item
    }
    for (const tag of doc.tags ?? []) if (!tags.has(tag.name)) tags.set(tag.name, tag)
  }

  const description = [
    'One document for every service behind the Kelmah gateway. Send `Authorization: Bearer <access token>` except on the public auth routes.',
    missing.length > 0 ? `Left out because they could not be reached: ${missing.join(', ')}.` : '',
  ]
    .filter(Boolean)
    .join('\n\n')
  return {
    ...base,
    openapi: '3.1.0',
    info: { title: 'Kelmah API', version: base.info?.version ?? '0.1.0', description },
    paths,
    components,
    tags: [...tags.values()],
  }
}

/**
 * Fetch one upstream's OpenAPI document.
 *
 * @throws Error when it does not answer 200 with JSON within `timeoutMs`
 */
export async function fetchOpenApi(upstream: string, timeoutMs: number): Promise<OpenApiDoc> {
  const res = await fetch(`${upstream}/openapi.json`, { signal: AbortSignal.timeout(timeoutMs) })
  if (!res.ok) {
    await res.body?.cancel()
    throw new Error(`HTTP ${res.status}`)
  }
  return (await res.json()) as OpenApiDoc
}

/** The gateway's own document (`@fastify/swagger`, registered by service-kit). */
function ownDoc(app: FastifyInstance): OpenApiDoc {
  return (app as unknown as { swagger(): OpenApiDoc }).swagger()
}

/** Options of {@link combinedDocs}. */
export interface DocsOptions {
  services: RoutedService[]
  timeoutMs: number
  /** Milliseconds a combined document is reused (0: rebuilt on every request). */
  cacheMs: number
}

/** Fastify plugin: the combined document at `/docs/json` and Swagger UI at `/docs`. */
export async function combinedDocs(app: FastifyInstance, opts: DocsOptions): Promise<void> {
  let cached: { doc: OpenApiDoc; at: number } | undefined
  let building: Promise<OpenApiDoc> | undefined

  const build = async (): Promise<OpenApiDoc> => {
    const results = await Promise.all(
      opts.services.map(async (s) => {
        try {
          return {
            service: s.service,
            prefixes: s.prefixes,
            doc: await fetchOpenApi(s.upstream, opts.timeoutMs),
          }
        } catch (err) {
          app.log.warn({ err, upstream: s.service }, 'cannot fetch OpenAPI document; leaving it out')
          return { service: s.service, prefixes: s.prefixes, doc: undefined }
        }
      }),
    )
    const docs = results.flatMap((r) => (r.doc ? [{ ...r, doc: r.doc }] : []))
    const missing = results.filter((r) => !r.doc).map((r) => r.service)
    return mergeOpenApi(ownDoc(app), docs, missing)
  }

  const current = async (): Promise<OpenApiDoc> => {
    if (cached && Date.now() - cached.at < opts.cacheMs) return cached.doc
    building ??= build()
      .then((doc) => {
        cached = { doc, at: Date.now() }
        return doc
      })
      .finally(() => {
        building = undefined
      })
    return building
  }

  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformSpecificationClone: false,
    // swagger-ui asks for the document synchronously; the hook makes sure a fresh one is ready.
    uiHooks: {
      preHandler: (request, _reply, done) => {
        if (!/\/docs\/(json|yaml)$/.test(request.url.split('?', 1)[0] ?? '')) return done()
        current().then(() => done(), done)
      },
    },
    transformSpecification: () => cached?.doc ?? ownDoc(app),
  })
}
