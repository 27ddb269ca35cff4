/**
 * Operator CLI for dead-letter queues.
 *
 * ```
 * npm run dlq -w @kelmah/bus -- list <queue> [--json]
 * npm run dlq -w @kelmah/bus -- replay <queue> --id <eventId>
 * npm run dlq -w @kelmah/bus -- replay <queue> --all
 * ```
 *
 * `<queue>` is the main queue (`payment.release-on-approval`); its DLQ is `<queue>.dlq`. The broker
 * URL comes from `--url`, else `RABBITMQ_URL`, else `amqp://guest:guest@127.0.0.1:5672`.
 */
import { parseArgs } from 'node:util'
import { listDeadLetters, replayDeadLetters } from '../dlq.js'

const USAGE = `usage:
  dlq list <queue> [--json] [--url <amqp-url>]
  dlq replay <queue> (--id <eventId> | --all) [--url <amqp-url>]`

/**
 * Run the CLI with `argv` (without `node` and the script). Writes to `out`/`err`.
 *
 * @returns the process exit code: 0 done, 1 failed, 2 bad usage
 */
export async function main(
  argv: string[],
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  err: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        id: { type: 'string' },
        all: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        url: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
  } catch (e) {
    err(`${(e as Error).message}\n${USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  const [command, queue] = positionals
  if (values.help) {
    out(USAGE)
    return 0
  }
  if (!queue || positionals.length !== 2 || (command !== 'list' && command !== 'replay')) {
    err(USAGE)
    return 2
  }
  const url = values.url ?? process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
  try {
    if (command === 'list') {
      const letters = await listDeadLetters({ url, queue })
      if (values.json) out(JSON.stringify(letters, null, 2))
      else {
        out(`${letters.length} message(s) in ${queue}.dlq`)
        for (const l of letters)
          out(`${l.id ?? '-'}  ${l.type ?? '-'}  attempts=${l.attempts ?? '-'}  error=${l.error ?? '-'}`)
      }
      return 0
    }
    if ((values.id === undefined) === !values.all) {
      err(`replay needs exactly one of --id <eventId> or --all\n${USAGE}`)
      return 2
    }
    const result = await replayDeadLetters({ url, queue, ...(values.id ? { id: values.id } : { all: true }) })
    out(`replayed ${result.replayed.length} message(s) to ${queue}; ${result.kept} left in ${queue}.dlq`)
    for (const id of result.replayed) out(`  ${id ?? '-'}`)
    return values.id && result.replayed.length === 0 ? 1 : 0
  } catch (e) {
    err(`dlq ${command} ${queue} failed: ${(e as Error).message}`)
    return 1
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2))
}
