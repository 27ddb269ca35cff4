/** Schemas of `POST /api/auth/register`. */
import Type, { type Static } from 'typebox'
import { AuthResultSchema, Email, Password } from './user.js'

/** Registration body. Admins are never made here (only by the CLI). */
export const RegisterBody = Type.Object({
  email: Email,
  password: Password,
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
  role: Type.Enum(['hirer', 'worker'], { description: 'hirer or worker' }),
})
export type RegisterBody = Static<typeof RegisterBody>

/** Route schema of `POST /register`. */
export const RegisterSchema = {
  summary: 'Create a hirer or worker account, mail a verification code and sign in',
  tags: ['auth'],
  body: RegisterBody,
  response: { 201: AuthResultSchema },
}
