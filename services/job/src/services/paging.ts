/**
 * Keyset paging helpers on top of service-kit's cursor functions, for the sort orders this
 * service uses: a cursor is `[sortKey, id]` (or `[score, createdAtMs, id]` for ranked lists).
 */
import { BadRequest, decodeCursor, withFields, type CursorValue } from '@kelmah/service-kit'
import { Types } from 'mongoose'

const badCursor = () =>
  withFields(new BadRequest('the cursor is not valid for this list'), [
    { field: 'cursor', message: 'is not a cursor returned by this list', in: 'querystring' },
  ])

/**
 * Decode a cursor and check each component's kind (`date` = ISO string, `number`, `string`,
 * `id` = 24-hex ObjectId string), so a forged cursor is a 400, not a 500.
 *
 * @throws BadRequest (400 naming `cursor`)
 */
export function decodeTypedCursor(
  cursor: string | undefined,
  kinds: ReadonlyArray<'date' | 'number' | 'id' | 'string'>,
): CursorValue[] | undefined {
  const pos = decodeCursor(cursor, kinds.length)
  if (!pos) return undefined
  kinds.forEach((kind, i) => {
    const v = pos[i]
    const ok =
      kind === 'number'
        ? typeof v === 'number' && Number.isFinite(v)
        : kind === 'string'
          ? typeof v === 'string' && v.length > 0
          : kind === 'id'
            ? typeof v === 'string' && Types.ObjectId.isValid(v) && /^[0-9a-f]{24}$/i.test(v)
            : typeof v === 'string' && !Number.isNaN(Date.parse(v))
    if (!ok) throw badCursor()
  })
  return pos
}

/** `toKey` for date cursors. */
export const toDate = (v: CursorValue): Date => new Date(v as string)
/** `toId` for ObjectId cursors. */
export const toObjectId = (v: CursorValue): Types.ObjectId => new Types.ObjectId(v as string)
