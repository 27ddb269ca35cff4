/** Schemas of `GET /api/users/skills`. */
import Type from 'typebox'
import { bearer, tags } from './common.js'

/** `?q=&limit=`. */
export const SkillsQuery = Type.Object({
  q: Type.Optional(
    Type.String({ maxLength: 50, description: 'what the user typed; prefix of the normalised name' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })),
})

/** Route schema of `GET /skills`. */
export const SkillsSchema = {
  summary: 'Skill autocomplete: catalogue names starting with q, most used first',
  tags,
  security: bearer,
  querystring: SkillsQuery,
  response: {
    200: Type.Object({
      items: Type.Array(
        Type.Object({ name: Type.String(), usage: Type.Integer({ description: 'profiles listing it' }) }),
      ),
    }),
  },
}
