/**
 * The console, tested as a person would (issue 16): the real apps — gateway, auth, user, job,
 * messaging, payment, review and web — as child processes exactly as `npm start` runs them (on
 * free ports, with databases, rate-limit counters and Redis keys of their own, like
 * infra/test/e2e.test.ts), and headless Chromium (Debian's `chromium`, driven by `playwright-core`)
 * with a hirer and a worker in two browser contexts — the worker on a phone-sized screen — who
 * play the story through the gateway's `/`: sign up (the code read from MailDev), post, find and
 * apply, shortlist and accept, sign, fund (the test-mode Stripe confirmation), chat live (the
 * other context sees the message and the typing indicator, read receipts and presence), deliver,
 * approve, see the wallet and pay out, review each other and see the rating. A screenshot of each
 * step goes to `.data/console-screenshots/<run>/` (gitignored; the test prints the folder);
 * `CONSOLE_SCREENSHOTS_TO_DOCS=1` also copies the README's few into docs/console/. No page may log
 * a console error or throw. The apps' events ride a RabbitMQ vhost of the run's own
 * (`fixtures/stack.ts`'s `ownVhost`), so other stacks (an `npm start`, the other test files'
 * stacks in `npm test`) take none of them.
 *
 * Chromium: `/usr/bin/chromium` (or `CHROMIUM_PATH`); when missing and this process may run
 * apt-get (root), {@link ensureChromium} installs Debian's package first (about a minute).
 */
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { otpFrom, waitForMail } from '@kelmah/testing'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import t from 'tap'
import { REPO_ROOT } from '../paths.js'
import { APPS, appDir } from '../services.js'
import { startStack } from './fixtures/stack.js'

// Eight apps started from TypeScript plus a browser: on a loaded 2-core machine the start alone took
// 90–160 s (measured while other suites ran), beyond the package's 120 s per file.
t.setTimeout(600_000)

/** Calls the console retries on 404/409 until another service has caught up (eventual consistency). */
const EVENTUAL = ['/api/payments/escrow', '/api/reviews', '/api/chat/conversations']

const NAMES = ['auth', 'gateway', 'user', 'job', 'messaging', 'payment', 'review', 'web']

/** The screenshots the README shows (docs/console/<name>.png). */
const FOR_DOCS = ['03-job-posted', '06-contract-signed', '08-typing', '08-chat']

/**
 * The Chromium to drive: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`, installed with
 * apt-get when missing and this process is root (a fresh machine; `apt-get install -y chromium`).
 *
 * @throws Error when there is none and it cannot be installed
 */
export function ensureChromium(): string {
  const wanted = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (existsSync(wanted)) return wanted
  if (process.getuid?.() !== 0)
    throw new Error(`no Chromium at ${wanted}: run \`sudo apt-get install -y chromium\` or set CHROMIUM_PATH`)
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'ignore' })
  if (!existsSync(wanted)) throw new Error(`apt-get install chromium did not make ${wanted}`)
  return wanted
}

/** Run a command to the end; reject with its output on a non-zero exit. */
function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}: ${out}`)),
    )
  })
}

t.test('a hirer and a worker play the whole story in the console', { timeout: 480_000 }, async (t) => {
  const chromiumPath = ensureChromium()
  // The console is built from this checkout's sources (a stale dist/ would test old code), beside
  // the API's boot; the console's server serves the build, so it starts once the build is done.
  const built = run(
    process.execPath,
    [path.join(REPO_ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
    appDir(APPS.find((a) => a.name === 'web')!),
  )
  // Awaited by the stack before the console starts; a failed build fails the stack's start.
  built.catch(() => undefined)
  const held: { browser?: Browser } = {}
  t.teardown(() => held.browser?.close().catch(() => undefined))
  const stack = await startStack(t, {
    prefix: 'console',
    names: NAMES,
    readyTimeoutMs: 240_000,
    launchAfter: { web: built },
  })
  const runId = stack.run
  const urls = stack.urls
  const shots = path.join(REPO_ROOT, '.data', 'console-screenshots', runId)
  await fs.mkdir(shots, { recursive: true })
  t.comment(`screenshots: ${shots}`)
  t.comment(`apps ready in ${stack.readyMs} ms`)
  const base = stack.gatewayUrl

  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] })
  held.browser = browser
  const problems: string[] = []
  const retried: string[] = []
  const open = async (
    who: string,
    viewport: { width: number; height: number },
  ): Promise<[BrowserContext, Page]> => {
    const context = await browser.newContext({ viewport, baseURL: base })
    context.setDefaultTimeout(15_000)
    const page = await context.newPage()
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return
      const url = msg.location().url
      // The console retries these while the service has not consumed the event that tells it of the
      // contract or the user yet (client/src/ui.tsx, `eventually`); Chromium logs each refused try.
      if (
        /^Failed to load resource: the server responded with a status of 40[49]/.test(msg.text()) &&
        EVENTUAL.some((p) => url.endsWith(p))
      )
        return void retried.push(`${who}: ${msg.text()} (${url})`)
      problems.push(`${who} console: ${msg.text()} (${url})`)
    })
    page.on('pageerror', (err) => problems.push(`${who} page error: ${err.message} ${err.stack ?? ''}`))
    page.on('crash', () => problems.push(`${who} page crashed`))
    return [context, page]
  }
  const [, hirer] = await open('hirer', { width: 1280, height: 860 })
  const [, worker] = await open('worker', { width: 390, height: 844 })
  let n = 0
  const shot = async (page: Page, name: string) => {
    n++
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true })
  }
  const story = Date.now()
  const steps: string[] = []
  const step = (s: string) => steps.push(`${((Date.now() - story) / 1000).toFixed(1)} s  ${s}`)

  const word = `quokka${randomBytes(3).toString('hex')}`
  const people = {
    hirer: { page: hirer, name: 'Ama Mensah', email: `hirer-${runId}@console.kelmah.test`, role: 'hire' },
    worker: {
      page: worker,
      name: 'Kofi Boateng',
      email: `worker-${runId}@console.kelmah.test`,
      role: 'work',
    },
  }
  const password = 'Console-story-2026!'
  try {
    // 1. Sign up, with the code from MailDev, both at once.
    await Promise.all(
      Object.values(people).map(async (p) => {
        await p.page.goto('/')
        await p.page.getByRole('tab', { name: 'Sign up' }).click()
        const form = p.page.getByRole('form', { name: 'Sign up' })
        await form.getByLabel('Your name').fill(p.name)
        await form.getByLabel('E-mail').fill(p.email)
        await form.getByLabel('Password').fill(password)
        await form.getByLabel(p.role).check()
        const after = new Date(Date.now() - 1_000)
        await form.getByRole('button', { name: 'Create account' }).click()
        await p.page.getByLabel('Code').waitFor()
        const code = otpFrom(
          await waitForMail(p.email, { maildevUrl: urls.MAILDEV_URL, after, timeoutMs: 15_000 }),
        )
        await p.page.getByLabel('Code').fill(code)
        await p.page.getByRole('button', { name: 'Verify' }).click()
        await p.page.getByRole('navigation', { name: 'Main' }).waitFor()
      }),
    )
    await shot(worker, '01-signed-up-worker')
    step('both signed up and verified')

    // 2. The hirer posts a job.
    await hirer.getByRole('link', { name: 'Post a job' }).click()
    const post = hirer.getByRole('form', { name: 'Post a job' })
    await post.getByLabel('Title').fill(`Booking site for a guesthouse (${word})`)
    await post
      .getByLabel('Description')
      .fill('A small booking site: room calendar, online payment, confirmation e-mails and an admin page.')
    await post.getByLabel('Category').selectOption({ index: 1 })
    await post.getByLabel('Skills (comma-separated)').fill('react, node')
    await post.getByLabel('Budget').fill('1260')
    await shot(hirer, '02-post-job')
    await post.getByRole('button', { name: 'Post job' }).click()
    await hirer.getByRole('heading', { name: 'Applications' }).waitFor()
    await shot(hirer, '03-job-posted')
    step('job posted')

    // 3. The worker finds it by search and applies.
    await worker.getByRole('searchbox', { name: 'Search' }).fill(word)
    await worker.getByRole('button', { name: 'Search' }).click()
    await worker.getByRole('link', { name: new RegExp(word) }).click()
    const apply = worker.getByRole('form', { name: 'Apply' })
    await apply
      .getByLabel('Cover letter')
      .fill('I have built three booking sites like this one; I can start on Monday and deliver in two weeks.')
    await apply.getByRole('button', { name: 'Send application' }).click()
    await worker.getByText('Application sent').waitFor()
    await shot(worker, '04-applied')
    step('worker found the job by search and applied')

    // 4. The hirer shortlists and accepts: a contract.
    await hirer.reload()
    await hirer.getByRole('button', { name: 'Shortlist' }).click()
    await hirer.getByRole('button', { name: 'Accept and make a contract' }).click()
    await hirer.getByRole('heading', { name: 'Signatures' }).waitFor()
    const contractPath = new URL(hirer.url()).hash
    await shot(hirer, '05-contract')
    step('hirer shortlisted and accepted')

    // 5. Both sign.
    await hirer.getByRole('button', { name: 'Sign the contract' }).click()
    await worker.getByRole('link', { name: 'Contracts' }).click()
    await worker.getByRole('link', { name: new RegExp(word) }).click()
    await worker.getByRole('button', { name: 'Sign the contract' }).click()
    await hirer.getByText('active', { exact: true }).first().waitFor()
    await shot(hirer, '06-contract-signed')
    step('both signed: the contract is active')

    // 6. The hirer funds the milestone; Stripe's confirmation (test mode) funds the escrow.
    await hirer.getByRole('button', { name: 'Fund milestone' }).click()
    await hirer.getByRole('button', { name: 'Confirm payment (test mode)' }).click({ timeout: 40_000 })
    await hirer
      .getByRole('list', { name: 'Milestones' })
      .getByText('funded', { exact: true })
      .waitFor({ timeout: 20_000 })
    await shot(hirer, '07-funded')
    step('milestone funded (signed webhook)')

    // 7. Live chat: the worker sees the hirer typing and the message; the hirer sees the reply and the receipt.
    await hirer.getByRole('link', { name: 'Message the worker' }).click()
    await hirer.getByRole('region', { name: 'Conversation' }).waitFor()
    await worker.getByRole('link', { name: 'Message the hirer' }).click()
    await worker.getByRole('region', { name: 'Conversation' }).waitFor()
    const hirerBox = hirer.getByRole('textbox', { name: 'Message' })
    await hirerBox.pressSequentially('Welcome aboard', { delay: 30 })
    await worker.getByText('Typing…').waitFor()
    const typingSeen = true
    await shot(worker, '08-typing')
    await hirerBox.press('Enter')
    await worker.getByText('Welcome aboard').waitFor()
    const workerBox = worker.getByRole('textbox', { name: 'Message' })
    await workerBox.fill('Thanks! Starting today.')
    await workerBox.press('Enter')
    await hirer.getByText('Thanks! Starting today.').waitFor()
    await hirer.getByText('Read').first().waitFor()
    await shot(hirer, '08-chat')
    step('chat live: typing, message, reply, read receipt')

    // 8. The worker delivers; the hirer approves (the escrow is released to the worker's wallet).
    const openContract = async (page: Page) => {
      await page.goto(`/${contractPath}`)
      await page.getByRole('heading', { name: 'Milestones' }).waitFor()
    }
    await openContract(worker)
    const deliver = worker.getByRole('form', { name: /^Submit / })
    await deliver
      .getByLabel('What you delivered')
      .fill('The site is live with the calendar, payments and the admin page.')
    await deliver.getByLabel('Link to the work').fill('https://example.com/guesthouse')
    await deliver.getByRole('button', { name: 'Submit work' }).click()
    await worker.getByText('submitted', { exact: true }).waitFor()
    await shot(worker, '09-delivered')
    await openContract(hirer)
    await hirer.getByRole('button', { name: 'Approve and release payment' }).click()
    await hirer.getByText('completed', { exact: true }).first().waitFor({ timeout: 20_000 })
    await shot(hirer, '10-approved')
    step('worker delivered, hirer approved: contract completed')

    // 9. The wallet: 1,260.00 less the 10 % fee = 1,134.00; half paid out.
    await worker.getByRole('link', { name: 'Wallet' }).click()
    await worker
      .getByTestId('available-USD')
      .getByText('1,134.00')
      .waitFor({ timeout: 20_000 })
      .catch(async () => {
        await worker.reload()
        await worker.getByTestId('available-USD').getByText('1,134.00').waitFor({ timeout: 10_000 })
      })
    await worker.getByLabel('Amount to pay out').fill('500')
    await worker.getByRole('button', { name: 'Pay out to my bank' }).click()
    await worker.getByText(/Payout of .*500\.00/).waitFor()
    await worker.getByTestId('available-USD').getByText('634.00').waitFor()
    await shot(worker, '11-wallet')
    step('wallet shows 1,134.00; 500.00 paid out')

    // 10. Reviews, both ways; then the worker's rating on their profile.
    await openContract(worker)
    for (const [page, comment] of [
      [hirer, 'Delivered on time and explained every step.'],
      [worker, 'Clear brief and quick answers.'],
    ] as const) {
      const form = page.getByRole('form', { name: 'Review' })
      await form.getByLabel('Comment').fill(comment)
      await form.getByRole('button', { name: 'Send review' }).click()
      await page.getByText('Review sent').waitFor({ timeout: 20_000 })
    }
    await hirer.getByRole('link', { name: 'See their profile' }).click()
    for (let i = 0; i < 20; i++) {
      if ((await hirer.getByTestId('rating-summary').textContent())?.includes('5.0 ★ from 1 review')) break
      await new Promise((r) => setTimeout(r, 500))
      await hirer.reload()
    }
    await hirer.getByTestId('rating-summary').getByText('5.0 ★ from 1 review').waitFor()
    await shot(hirer, '12-reviewed')
    step("both reviewed: the worker's profile shows 5.0 ★")

    // Notifications arrived for the worker along the way.
    await worker.getByRole('link', { name: /Notifications/ }).click()
    await worker.getByRole('list', { name: 'Notifications' }).getByRole('listitem').first().waitFor()
    await shot(worker, '13-notifications')
    t.ok(typingSeen, 'the worker saw the hirer typing')
  } catch (err) {
    await shot(hirer, 'failed-hirer').catch(() => undefined)
    await shot(worker, 'failed-worker').catch(() => undefined)
    t.comment(steps.join('\n'))
    t.comment(problems.join('\n'))
    t.comment(stack.tail(40))
    throw err
  }
  const storyMs = Date.now() - story
  t.comment(steps.join('\n'))
  t.comment(`the story took ${(storyMs / 1000).toFixed(1)} s in the browser (${n} screenshots)`)
  t.comment(
    `${retried.length} refused tries of eventually consistent calls (retried by the console): ${retried.join('; ')}`,
  )
  t.same(problems, [], 'no console errors and no page errors')
  if (process.env.CONSOLE_SCREENSHOTS_TO_DOCS === '1') {
    const docs = path.join(REPO_ROOT, 'docs', 'console')
    await fs.mkdir(docs, { recursive: true })
    for (const name of FOR_DOCS)
      await fs.copyFile(path.join(shots, `${name}.png`), path.join(docs, `${name}.png`))
  }
})
