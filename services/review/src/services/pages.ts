/**
 * Keyset pages over `(createdAt desc, _id desc)` with service-kit's opaque cursors
 * (docs/architecture.md, Lists): the cursor is `[createdAt ISO, 24-hex id]` of the last item.
 */
import { afterPosition, BadRequest, decodeCursor, withFields } from '@kelmah/service-kit'
import { Types } from 'mongoose'

/** A document a page is cut from. */
export interface Paged {
  _id: Types.ObjectId
  createdAt: Date
}

/**
 * The filter "after the cursor" (none for the first page).
 *
 * @throws BadRequest (400 naming `cursor`) when the cursor is not one of this list's
 */
export function afterCursor(cursor: string | undefined): Record<string, unknown> {
  const position = decodeCursor(cursor, 2)
  if (!position) return {}
  const [at, id] = position
  if (
    typeof at !== 'string' ||
    Number.isNaN(Date.parse(at)) ||
    typeof id !== 'string' ||
    !/^[0-9a-f]{24}$/.test(id)
  ) {
    throw withFields(new BadRequest('the cursor is not valid for this list'), [
      { field: 'cursor', message: 'is not a cursor returned by this list', in: 'querystring' },
    ])
  }
  return afterPosition('createdAt', position, {
    toKey: (v) => new Date(v as string),
    toId: (v) => new Types.ObjectId(v as string),
  })
}

/** The cursor position of `doc`. */
export function positionOf(doc: Paged): [string, string] {
  return [doc.createdAt.toISOString(), doc._id.toHexString()]
}
