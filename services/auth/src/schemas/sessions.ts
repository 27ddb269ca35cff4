/** Schemas of login, refresh and logout. */
import Type, { type Static } from 'typebox'
import { AuthResultSchema, bearer, Email, Password, RefreshToken } from './user.js'

/** `POST /login` body. */
export const LoginBody = Type.Object({ email: Email, password: Password })
export type LoginBody = Static<typeof LoginBody>

/** `POST /refresh` body. */
export const RefreshBody = Type.Object({ refreshToken: RefreshToken })
export type RefreshBody = Static<typeof RefreshBody>

/** `POST /logout` body (optional): the refresh token of the session to end. */
export const LogoutBody = Type.Object({ refreshToken: Type.Optional(RefreshToken) })
export type LogoutBody = Static<typeof LogoutBody>

/** Route schema of `POST /login`. */
export const LoginSchema = {
  summary: 'Sign in with email and password',
  tags: ['auth'],
  body: LoginBody,
  response: { 200: AuthResultSchema },
}

/** Route schema of `POST /refresh`. */
export const RefreshSchema = {
  summary: 'Swap a refresh token for a new token pair (the old refresh token stops working)',
  tags: ['auth'],
  body: RefreshBody,
  response: { 200: AuthResultSchema },
}

/** Route schema of `POST /logout`. */
export const LogoutSchema = {
  summary: "End this session (or the refresh token's session)",
  tags: ['auth'],
  security: bearer,
  body: LogoutBody,
  response: { 204: Type.Null() },
}

/** Route schema of `POST /logout-all`. */
export const LogoutAllSchema = {
  summary: 'End every session of the user',
  tags: ['auth'],
  security: bearer,
  response: { 204: Type.Null() },
}
