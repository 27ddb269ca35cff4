/**
 * Contracts: the list, and one contract — sign; the hirer funds a milestone into escrow and (test
 * mode) confirms Stripe's payment; the worker submits the work; the hirer approves (the payment
 * service then releases the escrow to the worker's wallet) or asks for a revision; once it has
 * ended, each party reviews the other (double-blind: shown when both have, or the window closes).
 */
import { useEffect, useState, type ReactNode } from 'react'
import type { SessionUser } from '@kelmah/sdk'
import { formatMoney, kelmah, unwrap, when, type Money } from '../kelmah.js'
import { Badge, ErrorLine, eventually, useAction, useLoad } from '../ui.js'

interface Milestone {
  id: string
  title: string
  amount: Money
  status: string
  submission?: { note?: string; deliverables?: string[] } | null
}
interface Contract {
  id: string
  jobId: string
  title: string
  terms: string
  hirerId: string
  workerId: string
  total: Money
  status: string
  milestones: Milestone[]
  hirerSignedAt: string | null
  workerSignedAt: string | null
}

export function ContractsScreen({ me }: { me: SessionUser }): ReactNode {
  const role = me.role === 'hirer' ? 'hirer' : 'worker'
  const { data, error } = useLoad(async () => {
    const page = await kelmah.api.GET('/api/contracts', { params: { query: { role, limit: 50 } } })
    return (page.data as { items: Contract[] }).items
  })
  return (
    <main id="main">
      <h1>Contracts</h1>
      <ErrorLine error={error} />
      {data?.length === 0 && <p>No contracts yet.</p>}
      <ul className="cards" aria-label="Contracts">
        {data?.map((c) => (
          <li key={c.id} className="card">
            <h2>
              <a href={`#/contracts/${c.id}`}>{c.title}</a>
            </h2>
            <p className="meta">
              {formatMoney(c.total)} · <Badge>{c.status}</Badge>
            </p>
          </li>
        ))}
      </ul>
    </main>
  )
}

/** Read the contract, and again every 1.5 s while something is waiting on another service. */
function useContract(id: string) {
  const [contract, setContract] = useState<Contract>()
  const [error, setError] = useState<string>()
  const [tick, setTick] = useState(0)
  useEffect(() => {
    let live = true
    kelmah.api.GET('/api/contracts/{id}', { params: { path: { id } } }).then(
      (res) => live && setContract(unwrap<Contract>(res.data, 'contract')),
      (err: unknown) => live && setError(String(err)),
    )
    const timer = setInterval(() => setTick((n) => n + 1), 1_500)
    return () => {
      live = false
      clearInterval(timer)
    }
  }, [id, tick])
  return { contract, error, set: setContract }
}

export function ContractScreen({ id, me }: { id: string; me: SessionUser }): ReactNode {
  const { contract: c, error, set } = useContract(id)
  const [sign, signing, signError] = useAction(async () => {
    const res = await kelmah.api.POST('/api/contracts/{id}/sign', { params: { path: { id } } })
    set(unwrap<Contract>(res.data, 'contract'))
  })
  if (!c)
    return (
      <main id="main">
        <ErrorLine error={error} />
        <p>Loading…</p>
      </main>
    )
  const isHirer = c.hirerId === me.id
  const mySignature = isHirer ? c.hirerSignedAt : c.workerSignedAt
  const other = isHirer ? c.workerId : c.hirerId
  return (
    <main id="main">
      <h1>{c.title}</h1>
      <p className="meta">
        {formatMoney(c.total)} · <Badge>{c.status}</Badge> ·{' '}
        <a href={`#/chat/with/${other}`}>Message the {isHirer ? 'worker' : 'hirer'}</a>
      </p>
      <p className="prose">{c.terms}</p>
      <section aria-labelledby="sig">
        <h2 id="sig">Signatures</h2>
        <p>
          Hirer: {c.hirerSignedAt ? `signed ${when(c.hirerSignedAt)}` : 'not yet'} · Worker:{' '}
          {c.workerSignedAt ? `signed ${when(c.workerSignedAt)}` : 'not yet'}
        </p>
        {!mySignature && c.status === 'pending_signatures' && (
          <button disabled={signing} onClick={() => void sign()}>
            Sign the contract
          </button>
        )}
        <ErrorLine error={signError} />
      </section>
      <section aria-labelledby="ms">
        <h2 id="ms">Milestones</h2>
        <ul className="cards" aria-label="Milestones">
          {c.milestones.map((m) => (
            <MilestoneCard key={m.id} contract={c} milestone={m} isHirer={isHirer} onChange={set} />
          ))}
        </ul>
      </section>
      {(c.status === 'completed' || c.status === 'cancelled') && (
        <ReviewForm contract={c} me={me} other={other} />
      )}
    </main>
  )
}

function MilestoneCard({
  contract,
  milestone: m,
  isHirer,
  onChange,
}: {
  contract: Contract
  milestone: Milestone
  isHirer: boolean
  onChange: (c: Contract) => void
}): ReactNode {
  const [escrow, setEscrow] = useState<{ paymentIntentId: string | null; amount: Money; status: string }>()
  const [note, setNote] = useState('')
  const [link, setLink] = useState('')
  const [fund, funding, fundError] = useAction(async () => {
    const res = await eventually(() =>
      kelmah.api.POST('/api/payments/escrow', { body: { contractId: contract.id, milestoneId: m.id } }),
    )
    setEscrow(res.data)
  })
  const [confirm, confirming, confirmError] = useAction(async () => {
    if (!escrow?.paymentIntentId) throw new Error('no payment to confirm')
    const res = await fetch('/console/stripe/payment-succeeded', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ paymentIntentId: escrow.paymentIntentId, ...escrow.amount }),
    })
    if (!res.ok) throw new Error(`the test-mode payment was refused (${res.status})`)
    setEscrow({ ...escrow, status: 'confirmed' })
  })
  const step = (path: 'submit' | 'approve' | 'request-revision', body?: object) =>
    kelmah.api
      .POST(
        `/api/contracts/{id}/milestones/{milestoneId}/${path}` as '/api/contracts/{id}/milestones/{milestoneId}/approve',
        {
          params: { path: { id: contract.id, milestoneId: m.id } },
          ...(body ? { body: body as never } : {}),
        },
      )
      .then((res) => onChange(unwrap<Contract>(res.data, 'contract')))
  const [submit, submitting, submitError] = useAction(() =>
    step('submit', { ...(note ? { note } : {}), ...(link ? { deliverables: [link] } : {}) }),
  )
  const [approve, approving, approveError] = useAction(() => step('approve'))
  const active = contract.status === 'active'
  return (
    <li className="card">
      <h3>{m.title}</h3>
      <p className="meta">
        {formatMoney(m.amount)} · <Badge>{m.status}</Badge>
      </p>
      {m.submission?.note && <p>Delivered: {m.submission.note}</p>}
      {m.submission?.deliverables?.map((d) => (
        <p key={d}>
          <a href={d} rel="noreferrer noopener" target="_blank">
            {d}
          </a>
        </p>
      ))}
      {isHirer && active && m.status === 'pending' && (
        <div className="actions">
          {!escrow && (
            <button disabled={funding} onClick={() => void fund()}>
              Fund milestone
            </button>
          )}
          {escrow && escrow.status !== 'confirmed' && (
            <>
              <p role="status">Escrow {escrow.status}: waiting for the card payment.</p>
              <button disabled={confirming} onClick={() => void confirm()}>
                Confirm payment (test mode)
              </button>
            </>
          )}
          {escrow?.status === 'confirmed' && (
            <p role="status">Payment confirmed; the milestone is being funded…</p>
          )}
        </div>
      )}
      {!isHirer && active && (m.status === 'funded' || m.status === 'revision_requested') && (
        <form
          aria-label={`Submit ${m.title}`}
          onSubmit={(e) => {
            e.preventDefault()
            void submit()
          }}
        >
          <label>
            What you delivered
            <textarea rows={3} value={note} onChange={(e) => setNote(e.target.value)} />
          </label>
          <label>
            Link to the work
            <input type="url" value={link} onChange={(e) => setLink(e.target.value)} />
          </label>
          <button type="submit" disabled={submitting}>
            Submit work
          </button>
        </form>
      )}
      {isHirer && m.status === 'submitted' && (
        <button disabled={approving} onClick={() => void approve()}>
          Approve and release payment
        </button>
      )}
      <ErrorLine error={fundError ?? confirmError ?? submitError ?? approveError} />
    </li>
  )
}

function ReviewForm({
  contract,
  me,
  other,
}: {
  contract: Contract
  me: SessionUser
  other: string
}): ReactNode {
  const [rating, setRating] = useState(5)
  const [comment, setComment] = useState('')
  const [status, setStatus] = useState<string>()
  const [send, busy, error] = useAction(async () => {
    const res = await eventually(() =>
      kelmah.api.POST('/api/reviews', { body: { contractId: contract.id, rating, comment } }),
    )
    setStatus(unwrap<{ status: string }>(res.data, 'review').status)
  })
  if (status)
    return (
      <p role="status">
        Review sent ({status === 'awaiting_reveal' ? 'shown once the other party has reviewed too' : status}).{' '}
        <a href={`#/users/${other}`}>See their profile</a>
      </p>
    )
  return (
    <form
      aria-label="Review"
      onSubmit={(e) => {
        e.preventDefault()
        void send()
      }}
    >
      <h2>Review the {contract.hirerId === me.id ? 'worker' : 'hirer'}</h2>
      <fieldset className="stars">
        <legend>Rating</legend>
        {[1, 2, 3, 4, 5].map((n) => (
          <label key={n} className="inline">
            <input type="radio" name="rating" checked={rating === n} onChange={() => setRating(n)} /> {n} ★
          </label>
        ))}
      </fieldset>
      <label>
        Comment
        <textarea required rows={3} value={comment} onChange={(e) => setComment(e.target.value)} />
      </label>
      <ErrorLine error={error} />
      <button type="submit" disabled={busy}>
        Send review
      </button>
    </form>
  )
}
