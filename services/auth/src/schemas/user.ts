/**
 * Shared pieces of the auth API's schemas: the public user (the only user shape that leaves the
 * service — no password hash, codes or outbox) and the signed-in answer.
 */
import Type from 'typebox'

/** An email address (normalised to lower case by the service). */
export const Email = Type.String({
  format: 'email',
  maxLength: 254,
  description: 'email address; compared case-insensitively',
})
/** A password as typed; the policy (length, classes, not the email) is checked by the service so its message names the rule. */
export const Password = Type.String({ minLength: 1, maxLength: 1024 })
/** A 6-digit one-time code. */
export const OtpCode = Type.String({ pattern: '^[0-9]{6}$', description: 'the 6-digit code from the mail' })
/** An opaque refresh token. */
export const RefreshToken = Type.String({ minLength: 20, maxLength: 200 })

/** The public view of a user. */
export const UserSchema = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    name: Type.String(),
    role: Type.Enum(['hirer', 'worker', 'admin']),
    emailVerified: Type.Boolean(),
  },
  { additionalProperties: false },
)

/** `{user}`. */
export const UserEnvelopeSchema = Type.Object({ user: UserSchema }, { additionalProperties: false })

/** A signed-in answer: the user and a fresh token pair. */
export const AuthResultSchema = Type.Object(
  {
    user: UserSchema,
    accessToken: Type.String({ description: 'ES256 JWT, short-lived' }),
    refreshToken: Type.String({ description: 'opaque; single use — each refresh returns the next one' }),
  },
  { additionalProperties: false },
)

/** Body of a 202: the request was taken; nothing more is said (no account enumeration). */
export const AcceptedSchema = Type.Object({ message: Type.String() }, { additionalProperties: false })

/** Bearer-token security requirement for OpenAPI. */
export const bearer = [{ bearerAuth: [] }]
