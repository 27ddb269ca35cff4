/**
 * End to end: the real apps (gateway, auth, user, job, messaging, payment, review) as child processes — exactly
 * as `npm start` runs them, but on free ports, with databases, rate-limit counters and Redis keys
 * of their own — and the demo story told through the gateway, including the live chat over the
 * messaging service's WebSocket (`/ws` through the gateway) and the money to the end: escrow
 * funded by a signed Stripe webhook (stripe-mock, started by `npm run infra:up`, answers the
 * payment service's Stripe calls), submit, approve, the release to the worker's wallet less
 * 10 %, the completed contract, a duplicate webhook with no effect, a payout; then the ledger
 * check, by `npm run ledger:check`'s CLI on this run's payment database and by the admin route
 * (the admin made with auth's `admin:create` CLI in this run's auth database); then both parties
 * review each other — the hirer's review hidden from the worker until the worker's is in, then both
 * public at once, and the worker's profile and search result showing the new rating (and
 * `npm run ratings:rebuild -- --dry-run` agreeing with the incremental aggregates). Everything
 * started here is stopped in teardown (SIGTERM, then SIGKILL), and the databases are dropped.
 *
 * Isolation: a RabbitMQ vhost of the run's own (`fixtures/stack.ts`'s `ownVhost`, deleted in
 * teardown), so no other stack of the services (an `npm start`, the other test files' stacks
 * running beside this one in `npm test`) consumes this run's events; everything that rides the bus
 * — the job's conversation and the notifications, the money (`ContractSigned` → payment,
 * `EscrowFunded`/`PaymentReleased` → job, `MilestoneApproved` → payment), the review window — is
 * asserted every time.
 */
import { randomBytes } from 'node:crypto'
import t from 'tap'
import type { LedgerReport } from '../demo/payments.js'
import { runDemo } from '../demo.js'
import { startStack } from './fixtures/stack.js'

/** How long each app may take to answer `/health/ready`, ms: tsx compiles every app at start, slow on a busy 2-core machine. */
const READY_MS = 120_000

// Each app may take READY_MS to start, and the story runs after that: the package's 120 s per file
// (tap's `timeout`) killed the file before a slow start was waited out — seen at load ≈ 10, apps
// ready in 70–184 s while other suites ran (as console.test.ts measured).
t.setTimeout(600_000)

t.test('the demo story runs end to end through the gateway of the real apps', async (t) => {
  // An admin for the ledger route, made as an operator does: auth's admin:create CLI
  // (services/auth/src/cli/create-admin.ts; registration makes no admins), while the apps boot.
  const admin = {
    email: `e2e-admin-${randomBytes(4).toString('hex')}@e2e.kelmah.test`,
    password: 'Kelmah-e2e-admin-2026!',
    name: 'E2E Admin',
  }
  const started = Date.now()
  const stack = await startStack(t, { prefix: 'e2e', readyTimeoutMs: READY_MS, admins: [admin] })
  const urls = stack.urls
  t.comment(`apps ready in ${stack.readyMs} ms`)

  const lines: string[] = []
  let result
  try {
    result = await runDemo({
      baseUrl: stack.gatewayUrl,
      maildevUrl: urls.MAILDEV_URL,
      amqpUrl: urls.AMQP_URL,
      log: (line) => lines.push(line),
      admin,
    })
  } catch (err) {
    t.comment(lines.join('\n'))
    t.comment(stack.tail())
    throw err
  }
  t.comment(`demo told in ${Date.now() - started} ms since start`)

  t.equal(result.contract.status, 'active', 'the contract is active once both signed')
  t.equal(result.job.status, 'in_progress', 'the job is in progress')
  t.ok(result.foundBySearch, 'the worker found the job by a word of its title')
  t.ok(result.recommended, "the job was among the worker's recommendations")
  const types = result.events.map((e) => e.type)
  for (const type of [
    'UserRegistered',
    'ProfileUpdated',
    'JobPosted',
    'ApplicationSubmitted',
    'ContractSigned',
  ]) {
    t.ok(types.includes(type), `${type} crossed the bus`)
  }
  const signed = result.events.find((e) => e.type === 'ContractSigned')
  t.equal(signed?.data.contractId, result.contract.id, 'ContractSigned names the contract')
  t.match(lines.join('\n'), /POST \/api\/contracts\/\S+\/sign → 200/, 'each call is printed with its status')

  // The live chat through the gateway's /ws.
  const { chat } = result
  t.equal(chat.first.senderId, result.hirer.id, "the hirer's chat frame was stored as the hirer's message")
  t.equal(chat.first.conversationId, chat.conversationId, 'and delivered into the conversation it opened')
  t.ok(chat.latencyMs >= 0 && chat.latencyMs < 10_000, `the worker got it live (${chat.latencyMs} ms)`)
  t.ok(chat.typingSeen, 'the hirer saw the worker typing')
  t.equal(chat.reply.senderId, result.worker.id, "the reply is the worker's")
  t.equal(chat.reply.conversationId, chat.conversationId, 'in the same conversation')
  t.ok(!Number.isNaN(Date.parse(chat.readAt)), 'the worker got a read receipt for the reply')
  const listed = chat.conversations.find((c) => c.id === chat.conversationId)
  t.equal(listed?.lastMessage?.id, chat.reply.id, "the worker's conversations list the chat, the reply last")
  t.ok(
    result.events.some((e) => e.type === 'MessageSent' && e.data.messageId === chat.first.id),
    'MessageSent crossed the bus for the first message',
  )
  t.equal(
    chat.jobConversation?.jobId,
    result.job.id,
    "the job's conversation (ApplicationSubmitted) is listed",
  )
  for (const kind of ['application_accepted', 'contract_signed'])
    t.ok(chat.notificationKinds.includes(kind), `the worker has a ${kind} notification`)
  t.match(lines.join('\n'), /ws ← messages_read/, 'each frame received is printed')

  // The money, to the end.
  const { money } = result
  t.equal(money.escrow.status, 'pending', 'the funding answered a pending escrow')
  t.match(money.escrow.paymentIntentId, /^pi_/, 'on a Stripe PaymentIntent')
  t.same(money.escrow.amount, money.amount, "for the milestone's amount")
  t.equal(money.webhook.status, 'applied', 'the signed payment_intent.succeeded was applied')
  const fee = Math.floor((money.amount.amountMinor * 1_000) / 10_000)
  t.equal(
    money.walletAfterRelease,
    money.amount.amountMinor - fee,
    `the worker's wallet shows the amount less 10 % (${money.amount.amountMinor} − ${fee})`,
  )
  t.equal(money.contract.status, 'completed', 'the contract is completed once its milestone is released')
  t.equal(
    money.contract.milestones?.find((m) => m.id === money.milestoneId)?.status,
    'released',
    'the milestone is released',
  )
  t.equal(money.duplicate.duplicate, true, 'the same event delivered again is recognised as a duplicate')
  t.equal(money.walletAfterDuplicate, money.walletAfterRelease, 'and the wallet is unchanged by it')
  t.match(money.payoutAccount.accountId, /^acct_/, 'the worker has a Stripe Connect account')
  t.equal(money.payout.status, 'completed', 'the payout completed (201)')
  t.match(money.payout.stripeTransferId, /^tr_/, 'with a Stripe Transfer')
  t.equal(
    money.walletAfterPayout,
    money.walletAfterRelease - Math.floor(money.walletAfterRelease / 2),
    'the payout left the wallet',
  )

  // The ledger after the story: the admin route through the gateway (the demo's step 18), and
  // `npm run ledger:check` (the payment workspace's CLI) on this run's payment database.
  const check = await stack.runCli('payment', 'src/cli/ledger-check.ts', ['--json'])
  t.equal(check.code, 0, `npm run ledger:check exits 0: every invariant holds\n${check.out}`)
  const report = JSON.parse(check.out.slice(check.out.indexOf('{'))) as LedgerReport
  t.same(report.violations, [], 'no violations')
  t.ok(report.transfers >= 3, `the fund, release and payout are transfers (${report.transfers})`)
  t.equal(money.ledger?.ok, true, "the admin route agrees (the demo's last step): every invariant holds")
  for (const type of ['EscrowFunded', 'MilestoneApproved', 'PaymentReleased', 'ContractCompleted'])
    t.ok(types.includes(type), `${type} crossed the bus`)
  // The reviews, double-blind, and the rating on the profile and in search.
  const { reviews } = result
  t.equal(reviews.hirerReview.status, 'awaiting_reveal', "the hirer's review waits for the worker's")
  t.same(
    reviews.beforeReveal.workerSees.filter((r) => r.authorId === result.hirer.id),
    [],
    "before the worker reviewed, the worker's public reviews show nothing from the hirer",
  )
  t.same(reviews.beforeReveal.hirerSees, [], 'nor do they for the hirer (public reviews only)')
  t.equal(reviews.beforeReveal.workerSummary.count, 0, "and the worker's summary is empty")
  t.equal(reviews.beforeReveal.workerOpensById, 404, "the worker cannot open the hirer's review by id")
  t.ok(reviews.beforeReveal.workerPending, "the contract is in the worker's pending reviews")
  t.equal(reviews.workerReview.status, 'published', "the worker's review, the second, is public at once")
  const ofWorker = reviews.aboutWorker.find((r) => r.id === reviews.hirerReview.id)
  const ofHirer = reviews.aboutHirer.find((r) => r.id === reviews.workerReview.id)
  t.match(
    ofWorker,
    { authorId: result.hirer.id, subjectId: result.worker.id, rating: 5, status: 'published' },
    "the hirer's review is public about the worker",
  )
  t.notOk(ofWorker && 'privateNote' in ofWorker && ofWorker.privateNote, 'without its private note')
  t.match(ofHirer, { authorId: result.worker.id, rating: 4 }, "the worker's review is public about the hirer")
  t.equal(ofWorker?.revealedAt, ofHirer?.revealedAt, 'both revealed at the same moment')
  t.match(reviews.workerSummary, { count: 1, average: 5 }, "the worker's summary counts the review")
  t.same(reviews.profileRating, { average: 5, count: 1 }, "the worker's profile shows the new rating")
  t.same(reviews.searchHit?.rating, { average: 5, count: 1 }, 'and so does their search result')
  for (const type of ['ReviewSubmitted', 'ReviewsRevealed', 'RatingUpdated'])
    t.ok(types.includes(type), `${type} crossed the bus`)
  const submitted = result.events.find((e) => e.type === 'ReviewSubmitted')
  t.notOk(submitted && 'rating' in submitted.data, 'ReviewSubmitted carries no rating (double-blind)')
  // `npm run ratings:rebuild -w @kelmah/review -- --dry-run` on this run's review database: the
  // incremental aggregates match the reviews recomputed from scratch.
  const rebuild = await stack.runCli('review', 'src/cli/ratings-rebuild.ts', ['--dry-run', '--json'])
  t.equal(rebuild.code, 0, `ratings:rebuild --dry-run finds every aggregate right\n${rebuild.out}`)
  for (const kind of ['review_requested', 'reviews_revealed'])
    t.ok(reviews.notificationKinds.includes(kind), `the worker has a ${kind} notification`)

  const releasedEvent = result.events.find(
    (e) => e.type === 'PaymentReleased' && e.data.milestoneId === money.milestoneId,
  )
  t.same(
    releasedEvent?.data.platformFee,
    { amountMinor: fee, currency: money.amount.currency },
    'PaymentReleased names the platform fee',
  )
  t.equal(
    result.events.filter((e) => e.type === 'EscrowFunded' && e.data.milestoneId === money.milestoneId).length,
    1,
    'EscrowFunded crossed the bus once, despite the duplicate webhook',
  )
})
