/**
 * One throwaway messaging instance for tests and benchmarks run from outside this workspace
 * (`infra/test/messaging-gateway.test.ts` spawns it as a process: a workspace never imports
 * another's source). Built by `startTestApp` (@kelmah/testing): its own database, exchange,
 * service name (so consumer queues) and Redis prefix, so it never takes events meant for another
 * run; on SIGTERM/SIGINT it closes and removes all of them.
 *
 *   PORT=0 MESSAGING_JWKS='{"keys":[…]}' node --conditions=development --import tsx bench/serve.ts
 *
 * Environment: `PORT` (default 0: any free port), `MESSAGING_JWKS` (the JWKS to trust, JSON;
 * required: the caller mints the tokens), `MONGO_URL`/`AMQP_URL`/`REDIS_URL` (the infrastructure,
 * as for the tests), and any messaging variable (`TYPING_TIMEOUT_MS`, `MESSAGE_RATE_MAX`, …).
 * Prints one line `messaging listening on <url>` once it accepts connections.
 *
 * The caller plays auth: every user who opens a socket with a token it signed is made known to
 * messaging's users read model first (as their `UserRegistered` would), so chats between the
 * caller's users are not refused as chats with unknown users.
 */
import { startTestApp, testEnv, uniqueName } from '@kelmah/testing'
import { Redis } from 'ioredis'
import { buildApp } from '../src/app.js'
import { loadMessagingConfig } from '../src/config.js'
import { directoryModels } from '../src/models/directory.js'

const jwks = process.env.MESSAGING_JWKS
if (!jwks) {
  console.error('MESSAGING_JWKS is required: the JWKS (JSON) of the keys the caller signs tokens with')
  process.exit(1)
}

/** Messaging variables passed through to the configuration (the infrastructure URLs come from testEnv). */
const passed = Object.fromEntries(
  Object.entries(process.env).filter(
    (e): e is [string, string] =>
      e[1] !== undefined &&
      /^(MESSAGE_|TYPING_|HEARTBEAT_|WS_|PRESENCE_|CALL_|ATTACHMENT_|LOG_LEVEL$)/.test(e[0]),
  ),
)
const prefix = `${uniqueName('msgserve')}:`
const test = await startTestApp(
  { service: 'messaging', loadConfig: loadMessagingConfig, buildApp },
  {
    jwks: JSON.parse(jwks) as { keys: [] },
    redisKeyPrefix: prefix,
    ...(passed.LOG_LEVEL ? { logLevel: passed.LOG_LEVEL } : {}),
    env: passed,
  },
)
const { UserRef } = directoryModels(test.app.mongo)
const upgrades = test.app.server.listeners('upgrade') as Array<(...args: unknown[]) => void>
test.app.server.removeAllListeners('upgrade')
test.app.server.on('upgrade', (request: import('node:http').IncomingMessage, ...rest: unknown[]) => {
  const token =
    /^bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ??
    new URL(request.url ?? '/', 'http://localhost').searchParams.get('token')
  const known = token
    ? test.app.verifyAccessToken(token).then((claims) =>
        UserRef.updateOne(
          { _id: claims.sub },
          {
            $setOnInsert: {
              role: claims.role,
              registeredAt: new Date(),
              deactivatedAt: null,
              suspended: false,
              suspensionAt: null,
            },
          },
          { upsert: true },
        ),
      )
    : Promise.resolve()
  // A bad token is the hub's to refuse; registration failures only log.
  known.catch(() => undefined).finally(() => upgrades.forEach((listener) => listener(request, ...rest)))
})
const url = await test.app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
console.log(`messaging listening on ${url}`)

let closing = false
async function shutdown(): Promise<void> {
  if (closing) return
  closing = true
  try {
    await test.close()
    const redis = new Redis(testEnv().redisUrl)
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
  } catch (err) {
    console.error('messaging cleanup failed:', err)
  }
  process.exit(0)
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutdown())
