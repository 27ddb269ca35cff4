/**
 * The local JWT signing key: an ES256 (ECDSA P-256) private key in `.keys/jwt-es256.pem`
 * (git-ignored), made once. The auth service signs with it; everyone else verifies with the public
 * half published at the auth service's JWKS URL.
 *
 * Run: `node --import tsx infra/keys.ts` (prints the file and the key id).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { KEYS_DIR, isMain } from './paths.js'

/** Path of the local ES256 private key (PKCS#8 PEM). */
export const JWT_PRIVATE_KEY_FILE = path.join(KEYS_DIR, 'jwt-es256.pem')

/** The local signing key's file, its key id and its public key. */
export interface JwtKey {
  /** Absolute path of the PKCS#8 PEM private key. */
  file: string
  /** `kid`: the first 16 hex digits of SHA-256 over the public key's SPKI DER. */
  kid: string
  /** The public key as SPKI PEM. */
  publicKeyPem: string
}

/**
 * The key id of a public key: first 16 hex digits of SHA-256 over its SPKI DER encoding, so the
 * same key always gets the same `kid` and a new key a new one.
 */
export function keyId(publicKeyDer: Buffer): string {
  return createHash('sha256').update(publicKeyDer).digest('hex').slice(0, 16)
}

/**
 * Creates `.keys/jwt-es256.pem` when absent (mode 0600) and returns it with its `kid`.
 * An existing file is only read, never replaced (replacing it would invalidate issued tokens).
 *
 * @throws when the existing file is not a P-256 EC private key.
 */
export async function ensureJwtKey(file: string = JWT_PRIVATE_KEY_FILE): Promise<JwtKey> {
  let pem: string
  try {
    pem = await fs.readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
    try {
      // 'wx': if a parallel run made the file first, keep theirs.
      await fs.writeFile(file, pem, { mode: 0o600, flag: 'wx' })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      pem = await fs.readFile(file, 'utf8')
    }
  }
  const privateKey = createPrivateKey(pem)
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`${file} is not an EC P-256 private key (ES256); delete it to have a new one made`)
  }
  const publicKey = createPublicKey(privateKey)
  return {
    file,
    kid: keyId(publicKey.export({ type: 'spki', format: 'der' })),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  }
}

if (isMain(import.meta.url)) {
  const key = await ensureJwtKey()
  console.log(`JWT_PRIVATE_KEY_FILE=${key.file}\nJWT_KID=${key.kid}`)
}
