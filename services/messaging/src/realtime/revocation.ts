/**
 * Sockets of revoked users close within moments (issue 14, item 5): the auth service publishes a
 * notice on the Redis channel `revocations` whenever it voids a user's tokens (logout-all,
 * password change or reset, suspension — `@kelmah/service-kit` src/revocation.ts), and every
 * messaging instance closes that user's sockets on this instance with {@link CLOSE_REVOKED}.
 * The client may reconnect with a token issued after the mark; a revoked token is refused at the
 * upgrade (`app.verifyAccessToken` checks the mark), so a suspended user stays out.
 *
 * All of the user's sockets on the instance close, whatever token opened them: a socket opened
 * with a fresh token in the few milliseconds before the notice arrives reconnects once. Pub/sub
 * is at-most-once: a notice lost while this instance's subscriber reconnects leaves a socket open
 * until its token expires (at most the access-token lifetime) — the heartbeat does not re-check.
 */
import { parseNotice, REVOCATION_CHANNEL } from '@kelmah/service-kit'
import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import type { Conn } from './hub.js'

/** Close code for a socket whose user's tokens were revoked (4000–4999: application codes; 4401 as HTTP 401). */
export const CLOSE_REVOKED = 4401

/** What the watcher needs from the hub. */
export interface SocketsOfUser {
  connsOf(userId: string): Conn[]
}

/** Options of {@link watchRevocations}. */
export interface RevocationWatchOptions {
  /** The service's Redis client; the watcher subscribes on a duplicate of it. */
  redis: Redis
  hub: SocketsOfUser
  log: FastifyBaseLogger
}

/** A running watcher. */
export interface RevocationWatch {
  /** Resolves once subscribed. */
  ready: Promise<void>
  close(): Promise<void>
}

/**
 * Subscribe to revocation notices and close the named users' sockets on this instance.
 *
 * @returns the watcher; `close()` unsubscribes and disconnects
 */
export function watchRevocations(opts: RevocationWatchOptions): RevocationWatch {
  // A subscribed ioredis client can run no other command: a connection of its own.
  const sub = opts.redis.duplicate()
  sub.on('error', (err) => opts.log.warn({ err }, 'revocation subscriber error'))
  sub.on('message', (channel: string, payload: string) => {
    if (channel !== REVOCATION_CHANNEL) return
    const notice = parseNotice(payload)
    if (!notice) return
    const conns = opts.hub.connsOf(notice.userId)
    for (const conn of conns) conn.ws.close(CLOSE_REVOKED, 'token revoked')
    if (conns.length > 0)
      opts.log.info({ userId: notice.userId, sockets: conns.length }, 'closed the sockets of a revoked user')
  })
  const ready = sub.subscribe(REVOCATION_CHANNEL).then(() => undefined)
  return {
    ready,
    async close() {
      await sub.quit().catch(() => sub.disconnect())
    },
  }
}
