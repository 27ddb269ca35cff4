/**
 * A counting TCP proxy in front of a MongoDB-wire server (FerretDB): every byte is passed on
 * unchanged, and each client→server message is parsed just enough to say which command it is,
 * on which collection, and with what query shape; the server's answer (matched by `responseTo`)
 * gives its round-trip time. One proxy per service (one listening port each) tells the services
 * apart. Used by `infra/bench/round-trips.ts`.
 *
 * Wire format: a 16-byte header (int32 LE messageLength, requestID, responseTo, opCode). OP_MSG
 * (2013): uint32 flagBits, then sections — kind 0 a BSON document (the command: its first key is
 * the command name, its value usually the collection), kind 1 an int32 size, a C string (e.g.
 * `documents`, `updates`) and BSON documents up to the size. OP_QUERY (2004, the legacy
 * handshake) is counted as `hello`.
 *
 * @see https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/
 */
import net from 'node:net'
import { BSON, type Document } from 'mongodb'

/** One command a client sent. */
export interface WireCommand {
  /** Which proxy (service) saw it. */
  service: string
  /** `find`, `insert`, `update`, `delete`, `aggregate`, `count`, `findAndModify`, `hello`, … */
  command: string
  /** The collection, or `''` for commands without one. */
  collection: string
  /** A short description of the query shape (filter keys and operators, sort, limit, update ops). */
  shape: string
  /** Statements in the command (updates/deletes/documents), 1 for a plain command. */
  statements: number
  /** What the command is for: see {@link classify}. */
  kind: CommandKind
  /** `performance.now()` when the client sent it, and when the answer came (NaN until then). */
  sentAt: number
  answeredAt: number
}

/**
 * `request` — anything a service's own code sent; `relay` — the outbox relay's bookkeeping
 * (leases, outbox peeks, `$pullAll`); `sweep` — the relay's periodic scan for pending entries;
 * `inbox` — a consumer's dedupe record; `driver` — the driver's own (`hello`, `ping`, auth,
 * `endSessions`), never counted as a round trip of an operation.
 */
export type CommandKind = 'request' | 'relay' | 'sweep' | 'inbox' | 'driver'

const DRIVER_COMMANDS = new Set([
  'hello',
  'ismaster',
  'isMaster',
  'ping',
  'saslStart',
  'saslContinue',
  'endSessions',
  'buildInfo',
  'getParameter',
  'killCursors',
])

/** The kind of a command (see {@link CommandKind}). */
export function classify(command: string, collection: string, body: Document): CommandKind {
  if (DRIVER_COMMANDS.has(command)) return 'driver'
  if (collection === 'outbox_leases') return 'relay'
  if (collection === 'inbox') return 'inbox'
  const filter = (body.filter ?? body.q ?? {}) as Document
  // The relay's periodic sweep: `{'outbox.0': {$exists: true}}`, or `{outboxPending: true}`.
  if ('outbox.0' in filter || 'outboxPending' in filter) return 'sweep'
  // Its peek at a noted document: `{_id}` with only the outbox (and its flag) projected.
  const projection = body.projection as Document | undefined
  const relayFields = new Set(['outbox', 'outboxPending'])
  if (
    projection &&
    Object.keys(projection).length > 0 &&
    Object.keys(projection).every((k) => relayFields.has(k))
  )
    return 'relay'
  // Its removal of what it published (`$pullAll`), or of the flag (`$unset: {outboxPending}`).
  const updates = (body.updates ?? []) as Document[]
  const relayUpdate = (u: Document) =>
    Boolean((u.$pullAll as Document | undefined)?.outbox !== undefined) ||
    Boolean(u.$unset && 'outboxPending' in (u.$unset as Document) && !u.$set && !u.$push)
  if (
    updates.some((u) => u.u && typeof u.u === 'object' && !Array.isArray(u.u) && relayUpdate(u.u as Document))
  )
    return 'relay'
  return 'request'
}

/** Whether FerretDB's PostgreSQL backend filters `value` of `key` in the database (top-level scalar equality, `$eq`, `$ne`). */
function pushable(key: string, value: unknown): boolean {
  if (key.startsWith('$') || key.includes('.')) return false
  if (value === null || typeof value !== 'object') return true
  const v = value as Document
  if ('_bsontype' in v || v instanceof Date) return true
  const ops = Object.keys(v)
  return ops.length > 0 && ops.every((op) => op === '$eq' || op === '$ne')
}

/** `{a=, b:$in, $or}` — the filter's keys, `=` for a scalar, else its operators. */
export function describeFilter(filter: Document | undefined): string {
  if (!filter || Object.keys(filter).length === 0) return '{}'
  const parts = Object.entries(filter).map(([k, v]) => {
    if (k.startsWith('$')) {
      const inner = Array.isArray(v) ? (v as Document[]).map((x) => describeFilter(x)).join(',') : ''
      return `${k}[${inner}]`
    }
    if (v === null || typeof v !== 'object' || '_bsontype' in (v as Document) || v instanceof Date)
      return `${k}=`
    if (Array.isArray(v)) return `${k}=[]`
    const ops = Object.keys(v as Document)
    return ops.every((o) => o.startsWith('$')) ? `${k}:${ops.join(':')}` : `${k}={}`
  })
  return `{${parts.join(', ')}}`
}

/** Pushdown of a filter on FerretDB/PostgreSQL: `pk` (`_id` equality), `pd` (all), `part` (some keys), `scan` (none). */
export function pushdown(filter: Document | undefined): string {
  const entries = Object.entries(filter ?? {})
  if (entries.length === 0) return 'all'
  const ok = entries.filter(([k, v]) => pushable(k, v))
  if (ok.length === entries.length) return entries.length === 1 && entries[0]![0] === '_id' ? 'pk' : 'pd'
  return ok.length > 0 ? 'part' : 'scan'
}

/** A short description of a command's query shape. */
export function describe(command: string, body: Document, sequences: Map<string, Document[]>): string {
  const sortOf = (s: unknown) =>
    s && typeof s === 'object' && Object.keys(s).length ? ` sort(${Object.keys(s).join(',')})` : ''
  switch (command) {
    case 'find': {
      const f = body.filter as Document | undefined
      const limit = typeof body.limit === 'number' ? ` limit ${body.limit}` : ''
      const proj = body.projection ? ` proj(${Object.keys(body.projection as Document).join(',')})` : ''
      return `${describeFilter(f)} [${pushdown(f)}]${sortOf(body.sort)}${limit}${proj}`
    }
    case 'count':
    case 'distinct':
      return `${describeFilter(body.query as Document)} [${pushdown(body.query as Document)}]`
    case 'aggregate': {
      const stages = ((body.pipeline ?? []) as Document[]).map((s) => {
        const name = Object.keys(s)[0] ?? '?'
        return name === '$match'
          ? `$match${describeFilter(s.$match as Document)}[${pushdown(s.$match as Document)}]`
          : name
      })
      return stages.join(' → ')
    }
    case 'update': {
      const updates = (body.updates ?? sequences.get('updates') ?? []) as Document[]
      const first = updates[0]
      if (!first) return '(none)'
      const u = first.u as Document | Document[]
      const ops = Array.isArray(u) ? 'pipeline' : Object.keys(u).join(',')
      const many = updates.length > 1 ? ` ×${updates.length}` : ''
      return `${describeFilter(first.q as Document)} [${pushdown(first.q as Document)}] ${ops}${first.multi ? ' multi' : ''}${first.upsert ? ' upsert' : ''}${many}`
    }
    case 'delete': {
      const deletes = (body.deletes ?? sequences.get('deletes') ?? []) as Document[]
      const first = deletes[0]
      return first
        ? `${describeFilter(first.q as Document)} [${pushdown(first.q as Document)}]${deletes.length > 1 ? ` ×${deletes.length}` : ''}`
        : '(none)'
    }
    case 'insert': {
      const docs = (body.documents ?? sequences.get('documents') ?? []) as Document[]
      return `${docs.length} doc${docs.length === 1 ? '' : 's'}`
    }
    case 'findAndModify':
      return `${describeFilter(body.query as Document)} [${pushdown(body.query as Document)}] ${body.remove ? 'remove' : Object.keys((body.update ?? {}) as Document).join(',')}`
    case 'getMore':
      return `cursor`
    default:
      return ''
  }
}

/** Parse one OP_MSG body (after the header) into its command document and document sequences. */
function parseOpMsg(buf: Buffer): { body: Document; sequences: Map<string, Document[]> } {
  let at = 4 // flagBits
  let body: Document = {}
  const sequences = new Map<string, Document[]>()
  const end = buf.length
  while (at < end) {
    const kind = buf[at]!
    at += 1
    if (kind === 0) {
      const size = buf.readInt32LE(at)
      body = BSON.deserialize(buf.subarray(at, at + size), { promoteValues: true })
      at += size
    } else if (kind === 1) {
      const size = buf.readInt32LE(at)
      const stop = at + size
      let p = at + 4
      const nul = buf.indexOf(0, p)
      const id = buf.toString('utf8', p, nul)
      p = nul + 1
      const docs: Document[] = []
      while (p < stop) {
        const len = buf.readInt32LE(p)
        docs.push(BSON.deserialize(buf.subarray(p, p + len)))
        p += len
      }
      sequences.set(id, docs)
      at = stop
    } else {
      break // kind 2 (internal) or a checksum: nothing more we need
    }
  }
  return { body, sequences }
}

/** Reassembles whole wire messages from a TCP stream. */
class Framer {
  #pending: Buffer = Buffer.alloc(0)
  constructor(private readonly onMessage: (msg: Buffer) => void) {}
  push(chunk: Buffer): void {
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk
    while (this.#pending.length >= 4) {
      const len = this.#pending.readInt32LE(0)
      if (len < 16 || this.#pending.length < len) break
      const msg = this.#pending.subarray(0, len)
      this.#pending = this.#pending.subarray(len)
      try {
        this.onMessage(msg)
      } catch {
        // A message we cannot parse is still passed on; it is just not counted.
      }
    }
  }
}

/** A running proxy. */
export interface WireProxy {
  /** The port it listens on (127.0.0.1). */
  port: number
  close(): Promise<void>
}

/**
 * Listen on a free port of 127.0.0.1 and forward every connection to `target`, reporting each
 * client command to `onCommand` (its `answeredAt` is filled in when the answer passes).
 */
export async function startWireProxy(
  service: string,
  target: { host: string; port: number },
  onCommand: (cmd: WireCommand) => void,
): Promise<WireProxy> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host)
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    sockets.add(client).add(upstream)
    const inFlight = new Map<number, WireCommand>()
    const fromClient = new Framer((msg) => {
      const requestId = msg.readInt32LE(4)
      const opCode = msg.readInt32LE(12)
      let cmd: WireCommand | undefined
      if (opCode === 2013) {
        const { body, sequences } = parseOpMsg(msg.subarray(16))
        const command = Object.keys(body)[0] ?? '?'
        const first = body[command] as unknown
        const collection = typeof first === 'string' ? first : ''
        const statements =
          (
            (body.updates ??
              sequences.get('updates') ??
              body.deletes ??
              sequences.get('deletes') ??
              body.documents ??
              sequences.get('documents')) as unknown[] | undefined
          )?.length ?? 1
        cmd = {
          service,
          command,
          collection,
          shape: describe(command, body, sequences),
          statements,
          kind: classify(command, collection, { ...body, updates: body.updates ?? sequences.get('updates') }),
          sentAt: performance.now(),
          answeredAt: Number.NaN,
        }
      } else if (opCode === 2004) {
        cmd = {
          service,
          command: 'hello',
          collection: '',
          shape: '',
          statements: 1,
          kind: 'driver',
          sentAt: performance.now(),
          answeredAt: Number.NaN,
        }
      }
      if (cmd) {
        inFlight.set(requestId, cmd)
        onCommand(cmd)
      }
    })
    const fromServer = new Framer((msg) => {
      const responseTo = msg.readInt32LE(8)
      const cmd = inFlight.get(responseTo)
      if (cmd) {
        cmd.answeredAt = performance.now()
        inFlight.delete(responseTo)
      }
    })
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk)
      fromClient.push(chunk)
    })
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk)
      fromServer.push(chunk)
    })
    const done = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('error', done).on('close', done)
    upstream.on('error', done).on('close', done)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as net.AddressInfo
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}
