/**
 * `@kelmah/sdk` — the typed client of the Kelmah API (README.md is its reference).
 *
 * - {@link createKelmah}: the client (generated calls in `kelmah.api`, sessions with refresh-token
 *   rotation, idempotency keys, cursor iteration, the socket);
 * - {@link KelmahProblem}: what every refused call throws;
 * - `paths`, `components`, `operations`: the generated types of every route (src/generated/schema.ts).
 */
export {
  createKelmah,
  Kelmah,
  ok,
  type BodyOf,
  type KelmahOptions,
  type PagedPath,
  type PageItem,
  type PageParams,
  type PageQuery,
  type RegisterBody,
  type ResponseOf,
  type Session,
  type SessionUser,
  type SignedIn,
} from './client.js'
export { isProblem, KelmahProblem, type ProblemDocument, type ProblemFieldError } from './problem.js'
export {
  KelmahSocket,
  KelmahSocketError,
  type SocketOptions,
  type WebSocketConstructor,
  type WebSocketLike,
} from './socket.js'
export * from './frames.js'
export { IDEMPOTENT_OPERATIONS } from './generated/operations.js'
export type { components, operations, paths } from './generated/schema.js'
