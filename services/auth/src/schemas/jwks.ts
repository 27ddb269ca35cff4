/** Schema of `GET /.well-known/jwks.json` (RFC 7517 §5). */
import Type from 'typebox'

/** One published EC public key. */
export const PublicJwkSchema = Type.Object(
  {
    kty: Type.Literal('EC'),
    crv: Type.Literal('P-256'),
    x: Type.String(),
    y: Type.String(),
    kid: Type.String(),
    alg: Type.Literal('ES256'),
    use: Type.Literal('sig'),
  },
  { additionalProperties: false },
)

/** Route schema of the JWKS. */
export const JwksSchema = {
  summary: 'Public keys that verify access tokens (cacheable)',
  tags: ['auth'],
  response: { 200: Type.Object({ keys: Type.Array(PublicJwkSchema) }, { additionalProperties: false }) },
}
