/** What the parts started by `up()` (infra/up.ts) share: the context, timeouts and helpers. */
import fs from 'node:fs/promises'
import { constants as fsConstants } from 'node:fs'
import type { StartedName } from '../down.js'
import { InfraError } from '../errors.js'
import { type InfraName, isAlive, logFile, logTail } from '../processes.js'

/** Timeouts for a started process to answer, in milliseconds. RabbitMQ boots slowly (10–20 s). */
export const START_TIMEOUT_MS = {
  ferretdb: 30_000,
  rabbitmq: 90_000,
  redis: 10_000,
  maildev: 20_000,
  stripeMock: 30_000,
}

/** What every `ensure*` of `up()` shares: the options, and what was started and reused. */
export interface Ctx {
  env: NodeJS.ProcessEnv
  ephemeral: boolean
  log: (line: string) => void
  started: StartedName[]
  reused: string[]
}

/** Hides the password of a URL before it goes into a message. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@')
}

export function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new InfraError(`${name}=${raw} is not a TCP port (1–65535)`)
  return port
}

export async function isWritableDir(dir: string): Promise<boolean> {
  try {
    await fs.access(dir, fsConstants.W_OK)
    return true
  } catch {
    return false
  }
}

export async function failedToStart(
  what: string,
  name: InfraName,
  pid?: number,
  file = logFile(name),
): Promise<InfraError> {
  const tail = await logTail(file)
  const how = pid !== undefined && !isAlive(pid) ? 'exited before it answered' : 'did not answer in time'
  return new InfraError(`${what} ${how}.\nLast lines of ${file}:\n${tail || '(empty)'}`)
}
