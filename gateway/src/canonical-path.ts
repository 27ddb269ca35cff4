/**
 * The one spelling of a request path the gateway decides on (docs/architecture.md, Gateway).
 *
 * Every per-path decision at the edge — which requests are public (no token) and which fall under
 * the tight per-IP limit (`RATE_LIMIT_AUTH_*`) — compares the route table's `METHOD path` rules
 * (`src/routes.ts`) with the canonical path computed here, once per request, by the first
 * onRequest hook ({@link canonicalPathHook}). The same hook rewrites the request URL to that
 * canonical path, so the proxied request carries exactly the path the decisions were made on: no
 * spelling that an upstream decodes or normalises to a rule's route can escape the rule, and no
 * spelling of a protected route can pass as a public one.
 *
 * The canonical form, from the raw path (the request target before the first `?`):
 * - percent-escapes of unreserved characters (`A-Z a-z 0-9 - . _ ~`, RFC 3986 §2.3) are decoded;
 *   every other escape is kept, with upper-case hex (`%c3%a9` → `%C3%A9`);
 * - empty segments (`//`) and a trailing slash are dropped; `.` segments are dropped and `..`
 *   removes the segment before it (RFC 3986 §5.2.4);
 * - letter case is kept: the services' router is case-sensitive (Fastify's default
 *   `caseSensitive: true`; libs/service-kit/src/build-service.ts sets no router options), so
 *   `/API/auth/login` is another route (404), not a spelling of `/api/auth/login`.
 *
 * Refused outright (400 `GATEWAY_ERR_AMBIGUOUS_PATH`), because routers disagree on what they mean:
 * a request target that is not an absolute path; an escaped `/`, `\`, `%` (double encoding), NUL
 * or other control character; an escaped dot segment (`%2e`, `.%2E`); a `..` above the root;
 * escapes that are malformed or not UTF-8; and any raw character that RFC 3986 does not allow in a
 * path segment or that some router treats as a delimiter — `\`, `;` (matrix parameters / Fastify's
 * `useSemicolonDelimiter`), `#` (find-my-way ends the path there), spaces, quotes, non-ASCII bytes.
 */
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { AmbiguousPath } from './errors.js'

/** Raw characters allowed in a path segment besides `%` escapes: RFC 3986 pchar without `;`. */
const PCHAR = new Uint8Array(128)
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,=:@")
  PCHAR[c.charCodeAt(0)] = 1

/** Unreserved characters (RFC 3986 §2.3): their escapes are decoded. */
const UNRESERVED = new Uint8Array(128)
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~')
  UNRESERVED[c.charCodeAt(0)] = 1

/**
 * A path that is already canonical: `/`, or `/segment…` of pchars with no `%`, no empty, `.` or
 * `..` segment and no trailing slash. The hot path: almost every request is spelled this way.
 */
const PLAIN = /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9\-._~!$&'()*+,=:@]+)+$|^\/$/

const HEX = /^[0-9A-Fa-f]{2}$/

/** The escape bytes refused: `/`, `\`, `%`, and C0 controls and DEL. */
function refusedEscape(byte: number): string | undefined {
  if (byte === 0x2f) return 'an encoded slash (%2F)'
  if (byte === 0x5c) return 'an encoded backslash (%5C)'
  if (byte === 0x25) return 'a double-encoded escape (%25)'
  if (byte < 0x20 || byte === 0x7f) return 'an encoded control character'
  return undefined
}

/**
 * The canonical form of a request path (see the module comment for the rules).
 *
 * @param path - the raw path, without the query string (`/api/auth//login`)
 * @returns the canonical path (`/api/auth/login`); `/` for the root
 * @throws AmbiguousPath (400) naming what was refused
 */
export function canonicalPath(path: string): string {
  if (PLAIN.test(path)) return path
  if (path.charCodeAt(0) !== 0x2f) throw new AmbiguousPath('the request target is not an absolute path')
  const out: string[] = []
  let escaped = false
  for (const raw of path.slice(1).split('/')) {
    if (raw === '') continue
    let segment = ''
    for (let i = 0; i < raw.length; i++) {
      const c = raw.charCodeAt(i)
      if (c === 0x25) {
        const hex = raw.slice(i + 1, i + 3)
        if (!HEX.test(hex)) throw new AmbiguousPath('a malformed percent-escape')
        const byte = parseInt(hex, 16)
        const refused = refusedEscape(byte)
        if (refused) throw new AmbiguousPath(refused)
        if (byte < 0x80 && UNRESERVED[byte]) segment += String.fromCharCode(byte)
        else {
          segment += `%${hex.toUpperCase()}`
          escaped = true
        }
        i += 2
      } else if (c < 0x80 && PCHAR[c]) segment += raw[i]
      else if (c === 0x5c) throw new AmbiguousPath('a backslash')
      else if (c === 0x3b) throw new AmbiguousPath('a semicolon')
      else if (c === 0x23) throw new AmbiguousPath('a fragment (#)')
      else throw new AmbiguousPath('a character that must be percent-encoded')
    }
    if (segment === '.' || segment === '..') {
      if (raw !== segment) throw new AmbiguousPath('an encoded dot segment')
      if (segment === '..' && out.pop() === undefined) throw new AmbiguousPath('a dot segment above the root')
      continue
    }
    out.push(segment)
  }
  const canonical = `/${out.join('/')}`
  if (escaped) {
    try {
      decodeURI(canonical)
    } catch {
      throw new AmbiguousPath('percent-escapes that are not UTF-8')
    }
  }
  return canonical
}

const kPath = Symbol('kelmah.gateway.canonicalPath')

type WithPath = FastifyRequest & { [kPath]?: string }

/**
 * The canonical path of a request, as computed by {@link canonicalPathHook} (which must have run:
 * it is the gateway's first onRequest hook). Without the hook (a request from another app), the
 * path is computed from `request.url`.
 *
 * @throws AmbiguousPath (400) only in the fallback, for a path the hook would have refused
 */
export function requestPath(request: FastifyRequest): string {
  return (request as WithPath)[kPath] ?? canonicalPath(request.url.split('?', 1)[0] ?? '/')
}

/** Whether `path` is `prefix` or below it (`/api/auth` holds `/api/auth/login`, not `/api/authx`). */
export function within(path: string, prefix: string): boolean {
  return path === prefix || (path.startsWith(prefix) && path.charCodeAt(prefix.length) === 0x2f)
}

/**
 * The gateway's first onRequest hook (registered at the root by `app.ts`, so it runs for every
 * route, 404s and WebSocket upgrades included): computes the canonical path once, refuses
 * ambiguous spellings with 400, and rewrites the request URL to the canonical path plus the
 * original query string, which is what `@fastify/http-proxy` forwards.
 *
 * Fastify has already routed the request on its raw spelling (service-kit's `buildService` takes
 * no `rewriteUrl`), so a canonical path that leaves the proxy prefix the raw one was routed to
 * (`/api/jobs/../auth/login`), or a non-canonical spelling that routed nowhere (`/api//auth/login`,
 * 404), is refused (400) instead of being sent to the wrong place or reported missing.
 *
 * @throws AmbiguousPath (400 problem+json through service-kit's error handler)
 */
export const canonicalPathHook: onRequestAsyncHookHandler = async (request) => {
  const url = request.raw.url ?? '/'
  const q = url.indexOf('?')
  const raw = q === -1 ? url : url.slice(0, q)
  const path = canonicalPath(raw)
  ;(request as WithPath)[kPath] = path
  if (path === raw) return
  const prefix = (request.routeOptions.config as { kelmahPrefix?: string } | undefined)?.kelmahPrefix
  if (prefix !== undefined && !within(path, prefix))
    throw new AmbiguousPath(`dot segments that leave ${prefix}`)
  if (request.is404) throw new AmbiguousPath('a spelling that is not canonical')
  request.raw.url = q === -1 ? path : path + url.slice(q)
}
