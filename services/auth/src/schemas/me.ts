/** Schemas of `GET /me`. */
import { bearer, UserEnvelopeSchema } from './user.js'

/** Route schema of `GET /me`. */
export const MeSchema = {
  summary: 'The signed-in user',
  tags: ['auth'],
  security: bearer,
  response: { 200: UserEnvelopeSchema },
}
