/**
 * API shapes shared by every service: problem details, money, cursor pages.
 */
import Type, { type Static, type TSchema } from 'typebox'

/**
 * RFC 9457 problem details, as every 4xx/5xx is rendered (`application/problem+json`), with the
 * error catalogue `code` and, for validation errors, `errors[]` naming each field.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    code: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(
        Type.Object({ field: Type.String(), message: Type.String() }, { additionalProperties: true }),
      ),
    ),
  },
  { additionalProperties: true, $id: 'Problem' },
)
export type Problem = Static<typeof Problem>

/** `?limit=&cursor=` for every list route. `limit` defaults to 20, at most 100. */
export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
})

/** `{items, nextCursor}`: the shape of every list response. */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) })
}
