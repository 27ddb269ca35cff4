/**
 * How use cases reach users' sockets, whatever instance holds them: implemented by the realtime
 * hub (Redis pub/sub), so a service method never knows where a socket lives.
 */

/** A server → client frame. */
export type ServerFrame = { type: string } & Record<string, unknown>

/** Delivery to every open connection of a user, on any instance. */
export interface Push {
  /**
   * Send `frame` to every open socket of `userId` (all tabs and devices, all instances).
   *
   * @param exceptConnId - leave out this one socket (the one the action came from)
   */
  toUser(userId: string, frame: ServerFrame, exceptConnId?: string): Promise<void>
}
