/**
 * The physical floor of the messaging benchmark: a bare `ws` relay with no storage, no Redis and
 * no checks — a `chat` frame from one socket goes to its partner as `new_message` and back to the
 * sender as `message_delivered`. The benchmark puts the same gateway in front of it as in front
 * of messaging, so the difference between the two is what messaging itself costs.
 *
 * It trusts the gateway: the user is the `sub` of the token's payload, not verified again.
 */
import http from 'node:http'
import type net from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'

/** A running relay. */
export interface FloorRelay {
  url: string
  close(): Promise<void>
}

function subOf(token: string | null): string | null {
  const payload = token?.split('.')[1]
  if (!payload) return null
  try {
    return (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub?: string }).sub ?? null
  } catch {
    return null
  }
}

/** Start the relay on a free port of 127.0.0.1. */
export async function startFloorRelay(): Promise<FloorRelay> {
  const sockets = new Map<string, WebSocket>()
  const server = http.createServer((_req, res) => res.writeHead(404).end())
  const wss = new WebSocketServer({ noServer: true })
  let seq = 0
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const sub = subOf(url.searchParams.get('token'))
    if (!sub) return socket.destroy()
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.set(sub, ws)
      ws.on('close', () => sockets.get(sub) === ws && sockets.delete(sub))
      ws.on('message', (data) => {
        const f = JSON.parse(Buffer.from(data as Buffer).toString()) as {
          type: string
          recipientId?: string
          message?: string
        }
        if (f.type !== 'chat' || !f.recipientId) return
        const message = {
          id: String(++seq),
          senderId: sub,
          content: f.message,
          createdAt: new Date().toISOString(),
        }
        sockets
          .get(f.recipientId)
          ?.send(JSON.stringify({ type: 'new_message', conversationId: 'floor', message }))
        ws.send(JSON.stringify({ type: 'message_delivered', messageId: message.id, message }))
      })
      ws.send(JSON.stringify({ type: 'hello', userId: sub }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: async () => {
      for (const ws of sockets.values()) ws.terminate()
      wss.close()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
