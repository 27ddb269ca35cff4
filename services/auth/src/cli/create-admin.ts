/**
 * `npm run admin:create -w @kelmah/auth -- --email <e> --password <p> --name <n>`
 *
 * The only way to make an admin account (registration accepts hirer and worker only). Writes the
 * user, email already verified, with its `UserRegistered` event in the outbox; the running
 * service's outbox relay publishes it at its next sweep. Reads `MONGO_URL` and the `ARGON2_*`
 * cost variables.
 *
 * Exit codes: 0 created (prints `{id, email, role}` as JSON), 1 refused (bad input, email taken),
 * 2 bad configuration or database unreachable.
 */
import { randomUUID } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { AggregateStore, ConfigError, loadConfig, storageConfig, systemClock } from '@kelmah/service-kit'
import mongoose from 'mongoose'
import Type from 'typebox'
import { argon2Config } from '../config.js'
import { userModel, type UserDoc } from '../models/user.js'
import { PasswordHasher } from '../passwords.js'
import { insertUser, USER_STORE } from '../services/users.js'

const USAGE =
  'usage: npm run admin:create -w @kelmah/auth -- --email <email> --password <password> --name <name>'

/** What the CLI needs from the environment. */
export const CliConfigSchema = Type.Object({ MONGO_URL: storageConfig.MONGO_URL, ...argon2Config })

/**
 * Create an admin account.
 *
 * @returns the new admin's id
 * @throws WeakPassword, EmailTaken (with `statusCode` 4xx); Error when MongoDB is unreachable
 */
export async function createAdmin(
  input: { email: string; password: string; name: string },
  env: Record<string, string | undefined> = process.env,
): Promise<{ id: string; email: string; role: 'admin' }> {
  const config = loadConfig(CliConfigSchema, env)
  const conn = mongoose.createConnection(config.MONGO_URL, {
    bufferCommands: false,
    serverSelectionTimeoutMS: 5_000,
  })
  try {
    await conn.asPromise()
    const User = userModel(conn)
    await User.init()
    const hasher = new PasswordHasher({
      memoryCost: config.ARGON2_MEMORY_KIB,
      timeCost: config.ARGON2_TIME_COST,
      parallelism: config.ARGON2_PARALLELISM,
    })
    // No bus here: the store has no relay, so UserRegistered waits in the outbox for the next
    // sweep of the running auth service (docs/architecture.md, Events).
    const users = new AggregateStore<UserDoc>(User, USER_STORE)
    const user = await insertUser(
      { users, hasher, now: systemClock },
      { ...input, role: 'admin', emailVerified: true },
      { producer: 'auth', correlationId: `cli-${randomUUID()}` },
    )
    return { id: String(user._id), email: user.email, role: 'admin' }
  } finally {
    await conn.close()
  }
}

async function main(): Promise<number> {
  let values: { email?: string; password?: string; name?: string }
  try {
    ;({ values } = parseArgs({
      options: { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } },
      strict: true,
    }))
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`)
    return 1
  }
  const { email, password, name } = values
  if (!email || !password || !name) {
    console.error(`--email, --password and --name are all required\n${USAGE}`)
    return 1
  }
  try {
    console.log(JSON.stringify(await createAdmin({ email, password, name })))
    return 0
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message)
      return 2
    }
    const status = (err as { statusCode?: number }).statusCode
    if (status && status < 500) {
      console.error(`refused: ${(err as Error).message}`)
      return 1
    }
    console.error(`failed: ${(err as Error).message}`)
    return 2
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  process.exitCode = await main()
