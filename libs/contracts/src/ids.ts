/**
 * Ids: ONE definition of every id that crosses a boundary — in event payloads (`events.ts`) and in
 * the path parameters, querystrings and bodies of every route (each service's `src/schemas/`).
 *
 * Why one: a route that accepted a longer id than its event allows passed validation, ran its use
 * case and then failed the event schema at publish time — a 500 for what was bad input (issue 14,
 * item 3). A route id schema must therefore be {@link Id} itself or a subset of it
 * ({@link ObjectIdString}, a service's own prefixed format such as `esc_<24 hex>_<n>`), never
 * wider; `libs/contracts/test/ids.test.ts` holds the property.
 *
 * Every id made by Kelmah fits: MongoDB ObjectIds (24 hex — users, jobs, contracts, messages),
 * prefixed ids (`esc_…`, `po_…`), UUIDs, and the opaque test subjects of `@kelmah/testing`.
 */
import Type from 'typebox'

/** Longest id, characters. */
export const ID_MAX_LENGTH = 64

/** Characters of an id: ASCII letters, digits, `_` and `-` (URL-safe without escaping). */
export const ID_PATTERN = '^[A-Za-z0-9_-]+$'

/** Any Kelmah id: 1–{@link ID_MAX_LENGTH} characters of {@link ID_PATTERN}. */
export const Id = Type.String({ minLength: 1, maxLength: ID_MAX_LENGTH, pattern: ID_PATTERN })

/** A 24-hex MongoDB ObjectId, as a string. */
export const OBJECT_ID_PATTERN = '^[0-9a-fA-F]{24}$'

/** An id minted by MongoDB (users, jobs, applications, contracts, milestones, conversations): a subset of {@link Id}. */
export const ObjectIdString = Type.String({ pattern: OBJECT_ID_PATTERN, description: '24-hex id' })

/** Whether `value` is a well-formed {@link Id} (for ids that arrive outside a schema, e.g. a token's `sub`). */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= ID_MAX_LENGTH && ID_RE.test(value)
}

const ID_RE = new RegExp(ID_PATTERN)
