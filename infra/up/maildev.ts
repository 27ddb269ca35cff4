/** The SMTP sink for `up()` (infra/up.ts): an `SMTP_URL` checked, a MailDev answering reused, else MailDev started. */
import { existsSync } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import { InfraError } from '../errors.js'
import { DATA_DIR, REPO_ROOT } from '../paths.js'
import { httpAnswers, tcpAnswers, waitUntil } from '../probes.js'
import { instanceName, isAlive, spawnDetached } from '../processes.js'
import { type Ctx, START_TIMEOUT_MS, failedToStart, portFrom, redact } from './context.js'

export async function ensureMaildev(ctx: Ctx): Promise<{ smtp: string; web: string }> {
  const given = ctx.env.SMTP_URL
  if (given) {
    const u = new URL(given)
    if (!(await tcpAnswers(u.hostname, Number(u.port || 25))))
      throw new InfraError(`SMTP_URL=${redact(given)} does not accept connections`)
    ctx.reused.push('smtp (SMTP_URL)')
    return { smtp: given, web: ctx.env.MAILDEV_URL ?? '' }
  }
  const smtpPort = portFrom(ctx.env, 'KELMAH_MAILDEV_SMTP_PORT', 1025)
  const webPort = portFrom(ctx.env, 'KELMAH_MAILDEV_WEB_PORT', 1080)
  const smtp = `smtp://127.0.0.1:${smtpPort}`
  const web = `http://127.0.0.1:${webPort}`
  const smtpUp = () => tcpAnswers('127.0.0.1', smtpPort)
  const webUp = () => httpAnswers(`${web}/api/healthz`)
  const [smtpNow, webNow] = await Promise.all([smtpUp(), webUp()])
  if (smtpNow && webNow) {
    ctx.log(`maildev: ${smtp} and ${web} already answer; using them`)
    ctx.reused.push('maildev')
    return { smtp, web }
  }
  if (smtpNow !== webNow) {
    const busy = smtpNow ? `SMTP port ${smtpPort}` : `web port ${webPort}`
    throw new InfraError(
      `${busy} is taken by something that is not a MailDev we can use; free it or set KELMAH_MAILDEV_SMTP_PORT / KELMAH_MAILDEV_WEB_PORT`,
    )
  }
  const cli = path.join(REPO_ROOT, 'node_modules', 'maildev', 'dist', 'bin', 'maildev.js')
  if (!existsSync(cli))
    throw new InfraError(
      `MailDev is not installed (${cli} is missing): run npm install at the repository root`,
    )
  const name = instanceName('maildev', smtpPort, 1025)
  await fs.mkdir(DATA_DIR, { recursive: true })
  const pid = await spawnDetached(
    name,
    process.execPath,
    [
      cli,
      ...['--ip', '127.0.0.1', '--smtp', String(smtpPort), '--web-ip', '127.0.0.1', '--web', String(webPort)],
      // Its default keeps .eml files in the shared /tmp/maildev; ours stay under .data/ and are capped.
      ...['--mail-directory', path.join(DATA_DIR, name), '--max-emails', '1000'],
    ],
    { cwd: DATA_DIR }, // MailDev looks for config files from its cwd upwards
  )
  ctx.started.push(name)
  ctx.log(`maildev: started on ${smtp}, web/REST ${web} (pid ${pid})`)
  const ok = await waitUntil(async () => (await smtpUp()) && (await webUp()), START_TIMEOUT_MS.maildev, {
    stillWorth: () => isAlive(pid),
  })
  if (!ok) throw await failedToStart(`MailDev on ${smtp} / ${web}`, name, pid)
  return { smtp, web }
}
