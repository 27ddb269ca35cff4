/**
 * Cursor pagination shared by every list route (`{items, nextCursor}`,
 * docs/architecture.md, Services): a cursor is the sort key of the last item returned, as
 * base64url JSON — opaque to clients, stable under inserts (unlike offsets), and checked on the
 * way in.
 *
 * Keyset pages: sort by `(key desc, _id desc)` and ask for items strictly after the cursor's
 * position with {@link afterPosition}.
 *
 * @see https://use-the-index-luke.com/no-offset
 */
import { BadRequest } from './errors.js'
import { withFields } from './problem.js'

/** One component of a cursor position: a sort key value or an id. */
export type CursorValue = string | number | boolean | null

/** Encode a position (the sort keys of the last item, then its id) as an opaque cursor. */
export function encodeCursor(position: readonly CursorValue[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url')
}

/**
 * Decode a cursor made by {@link encodeCursor}.
 *
 * @param cursor - the `cursor` query parameter, or undefined for the first page
 * @param arity - how many components the route's cursors have
 * @returns the position, or undefined when there is no cursor
 * @throws BadRequest (400, `errors[0].field = "cursor"`) when the cursor is not one of ours
 */
export function decodeCursor(cursor: string | undefined, arity: number): CursorValue[] | undefined {
  if (cursor === undefined || cursor === '') return undefined
  let position: unknown
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    position = undefined
  }
  const ok =
    Array.isArray(position) &&
    position.length === arity &&
    position.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
  if (!ok) {
    throw withFields(new BadRequest('the cursor is not valid for this list'), [
      { field: 'cursor', message: 'is not a cursor returned by this list', in: 'querystring' },
    ])
  }
  return position as CursorValue[]
}

/**
 * The MongoDB filter for "strictly after `position`" in a `(key desc, _id desc)` keyset order
 * (or ascending with `direction: 1`).
 *
 * @param key - the sort field (e.g. `createdAt`); its cursor value is converted with `toKey`
 * @param position - `[keyValue, id]` from {@link decodeCursor}
 */
export function afterPosition(
  key: string,
  position: readonly CursorValue[],
  opts: { direction?: 1 | -1; toKey?: (v: CursorValue) => unknown; toId?: (v: CursorValue) => unknown } = {},
): Record<string, unknown> {
  const op = (opts.direction ?? -1) === -1 ? '$lt' : '$gt'
  const keyValue = (opts.toKey ?? ((v) => v))(position[0] ?? null)
  const id = (opts.toId ?? ((v) => v))(position[1] ?? null)
  return { $or: [{ [key]: { [op]: keyValue } }, { [key]: keyValue, _id: { [op]: id } }] }
}

/**
 * Cut a fetched page: routes fetch `limit + 1` items; when there is an extra one, the cursor is
 * the position of the last item kept.
 *
 * @returns `{items, nextCursor}` with at most `limit` items
 */
export function pageOf<T>(
  rows: T[],
  limit: number,
  positionOf: (last: T) => CursorValue[],
): { items: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null }
  const items = rows.slice(0, limit)
  return { items, nextCursor: encodeCursor(positionOf(items[items.length - 1] as T)) }
}
