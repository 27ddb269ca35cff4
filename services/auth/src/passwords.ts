/**
 * Password hashing with argon2id (memory-hard), through `@node-rs/argon2`.
 */
import { randomBytes } from 'node:crypto'
import { hash, verify, type Options } from '@node-rs/argon2'

/** Argon2id cost parameters. */
export interface Argon2Params {
  /** Memory per hash, KiB. */
  memoryCost: number
  /** Passes over the memory. */
  timeCost: number
  /** Lanes. */
  parallelism: number
}

/**
 * OWASP's first recommended argon2id configuration: m = 19 MiB (19 456 KiB), t = 2, p = 1.
 *
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id
 */
export const OWASP_ARGON2ID: Argon2Params = { memoryCost: 19_456, timeCost: 2, parallelism: 1 }

/** `Algorithm.Argon2id` — the package's `const enum` cannot be imported under `verbatimModuleSyntax`. */
const ARGON2ID = 2 as NonNullable<Options['algorithm']>

/** Hashes and verifies passwords with one set of argon2id parameters. */
export class PasswordHasher {
  readonly #options: Options
  #dummy: Promise<string> | undefined

  /** @param params - cost; defaults to {@link OWASP_ARGON2ID} (tests pass a tiny cost to stay fast) */
  constructor(params: Argon2Params = OWASP_ARGON2ID) {
    this.#options = { algorithm: ARGON2ID, ...params }
  }

  /** The PHC string of `password` (salt included). */
  hash(password: string): Promise<string> {
    return hash(password, this.#options)
  }

  /** True when `password` matches `phc`. A malformed hash counts as a mismatch. */
  async verify(phc: string, password: string): Promise<boolean> {
    try {
      return await verify(phc, password)
    } catch {
      return false
    }
  }

  /**
   * Spend the time of a real verification and return false: called for unknown emails so that a
   * login's duration does not tell whether an account exists (OWASP Authentication Cheat Sheet,
   * "Authentication Responses").
   */
  async dummyVerify(password: string): Promise<false> {
    this.#dummy ??= this.hash(randomBytes(16).toString('hex'))
    await this.verify(await this.#dummy, password)
    return false
  }
}
