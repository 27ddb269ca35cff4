/**
 * Jobs: browse and search (text, category, budget type), post a job (hirers), a job's page — apply
 * (workers), and for its hirer the applications with shortlist and accept (→ a contract).
 */
import { useState, type FormEvent, type ReactNode } from 'react'
import type { SessionUser } from '@kelmah/sdk'
import { formatMoney, kelmah, toMinor, unwrap, type Money } from '../kelmah.js'
import { Badge, ErrorLine, go, useAction, useLoad } from '../ui.js'

const CURRENCIES = ['USD', 'EUR', 'GBP', 'GHS', 'NGN', 'KES'] as const
type Currency = (typeof CURRENCIES)[number]

interface Job {
  id: string
  hirerId: string
  title: string
  description: string
  category: string
  skills: string[]
  budget: { type: string; amountMinor?: number; minMinor?: number; maxMinor?: number; currency: string }
  status: string
  applicationCount?: number
}

function budgetOf(job: Job): string {
  const b = job.budget
  if (b.amountMinor !== undefined) return formatMoney({ amountMinor: b.amountMinor, currency: b.currency })
  return `${formatMoney({ amountMinor: b.minMinor ?? 0, currency: b.currency })}–${formatMoney({ amountMinor: b.maxMinor ?? 0, currency: b.currency })}`
}

function useCategories(): string[] {
  const { data } = useLoad(async () => {
    const body = (await kelmah.api.GET('/api/jobs/categories')).data as unknown
    const list = Array.isArray(body)
      ? body
      : ((body as { items?: unknown[]; categories?: unknown[] }).items ??
        (body as { categories?: unknown[] }).categories ??
        [])
    return list.map((c) =>
      typeof c === 'string'
        ? c
        : String(
            (c as { slug?: string; id?: string; name?: string }).slug ??
              (c as { id?: string }).id ??
              (c as { name?: string }).name,
          ),
    )
  })
  return data ?? []
}

export function JobsScreen(): ReactNode {
  const categories = useCategories()
  const [q, setQ] = useState('')
  const [category, setCategory] = useState('')
  const [type, setType] = useState('')
  const [query, setQuery] = useState<{ q?: string; category?: string; type?: 'fixed' | 'hourly' }>({})
  const { data, error } = useLoad(async () => {
    const page = await kelmah.api.GET('/api/jobs', { params: { query: { ...query, limit: 20 } } })
    return (page.data as { items: Job[] }).items
  }, [JSON.stringify(query)])
  const search = (e: FormEvent) => {
    e.preventDefault()
    setQuery({
      ...(q ? { q } : {}),
      ...(category ? { category } : {}),
      ...(type ? { type: type as 'fixed' } : {}),
    })
  }
  return (
    <main id="main">
      <h1>Find work</h1>
      <form role="search" aria-label="Search jobs" className="row" onSubmit={search}>
        <label>
          Search
          <input
            type="search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder="react, booking site…"
          />
        </label>
        <label>
          Category
          <select value={category} onChange={(e) => setCategory(e.target.value)}>
            <option value="">Any</option>
            {categories.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          Budget
          <select value={type} onChange={(e) => setType(e.target.value)}>
            <option value="">Any</option>
            <option value="fixed">Fixed price</option>
            <option value="hourly">Hourly</option>
          </select>
        </label>
        <button type="submit">Search</button>
      </form>
      <ErrorLine error={error} />
      {data && data.length === 0 && <p>No jobs match.</p>}
      <ul className="cards" aria-label="Jobs">
        {data?.map((job) => (
          <li key={job.id} className="card">
            <h2>
              <a href={`#/jobs/${job.id}`}>{job.title}</a>
            </h2>
            <p className="meta">
              {job.category} · {budgetOf(job)} · <Badge>{job.status}</Badge>
            </p>
            <p>{job.description.slice(0, 160)}</p>
            <p className="skills">{job.skills.join(', ')}</p>
          </li>
        ))}
      </ul>
    </main>
  )
}

export function PostJobScreen(): ReactNode {
  const categories = useCategories()
  const [title, setTitle] = useState('')
  const [description, setDescription] = useState('')
  const [category, setCategory] = useState('')
  const [skills, setSkills] = useState('')
  const [amount, setAmount] = useState('')
  const [currency, setCurrency] = useState<Currency>('USD')
  const [post, busy, error] = useAction(async () => {
    const created = await kelmah.api.POST('/api/jobs', {
      body: {
        title,
        description,
        category: category || categories[0] || 'web-development',
        skills: skills
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        budget: { type: 'fixed', amountMinor: toMinor(amount, currency), currency },
      },
    })
    let job = unwrap<Job>(created.data, 'job')
    if (job.status === 'draft')
      job = unwrap<Job>(
        (await kelmah.api.POST('/api/jobs/{id}/publish', { params: { path: { id: job.id } } })).data,
        'job',
      )
    go(`/jobs/${job.id}`)
  })
  return (
    <main id="main">
      <h1>Post a job</h1>
      <form
        aria-label="Post a job"
        onSubmit={(e) => {
          e.preventDefault()
          void post()
        }}
      >
        <label>
          Title
          <input required minLength={5} value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label>
          Description
          <textarea
            required
            minLength={20}
            rows={5}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </label>
        <label>
          Category
          <select required value={category} onChange={(e) => setCategory(e.target.value)}>
            <option value="">Choose…</option>
            {categories.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          Skills (comma-separated)
          <input value={skills} onChange={(e) => setSkills(e.target.value)} />
        </label>
        <div className="row">
          <label>
            Budget
            <input
              inputMode="decimal"
              required
              pattern="[0-9]+(\.[0-9]{1,2})?"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
            />
          </label>
          <label>
            Currency
            <select value={currency} onChange={(e) => setCurrency(e.target.value as Currency)}>
              {CURRENCIES.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </label>
        </div>
        <ErrorLine error={error} />
        <button type="submit" disabled={busy}>
          Post job
        </button>
      </form>
    </main>
  )
}

interface Application {
  id: string
  workerId: string
  coverLetter: string
  bid: Money
  estimatedDays: number
  status: string
}

export function JobScreen({ id, me }: { id: string; me: SessionUser }): ReactNode {
  const job = useLoad(
    async () =>
      unwrap<Job>((await kelmah.api.GET('/api/jobs/{id}', { params: { path: { id } } })).data, 'job'),
    [id],
  )
  const mine = job.data?.hirerId === me.id
  return (
    <main id="main">
      <ErrorLine error={job.error} />
      {job.data && (
        <>
          <h1>{job.data.title}</h1>
          <p className="meta">
            {job.data.category} · {budgetOf(job.data)} · <Badge>{job.data.status}</Badge>
          </p>
          <p className="prose">{job.data.description}</p>
          <p className="skills">Skills: {job.data.skills.join(', ') || '—'}</p>
          {mine ? <Applications jobId={id} /> : me.role === 'worker' && <Apply job={job.data} />}
        </>
      )}
    </main>
  )
}

function Apply({ job }: { job: Job }): ReactNode {
  const [cover, setCover] = useState('')
  const [bid, setBid] = useState(String((job.budget.amountMinor ?? job.budget.minMinor ?? 0) / 100))
  const [days, setDays] = useState('14')
  const [done, setDone] = useState(false)
  const currency = job.budget.currency as Currency
  const [apply, busy, error] = useAction(async () => {
    await kelmah.api.POST('/api/jobs/{id}/applications', {
      params: { path: { id: job.id } },
      body: {
        coverLetter: cover,
        bid: { amountMinor: toMinor(bid, currency), currency },
        estimatedDays: Number(days),
      },
    })
    setDone(true)
  })
  if (done) return <p role="status">Application sent. You will be notified when the hirer answers.</p>
  return (
    <form
      aria-label="Apply"
      onSubmit={(e) => {
        e.preventDefault()
        void apply()
      }}
    >
      <h2>Apply</h2>
      <label>
        Cover letter
        <textarea required minLength={20} rows={4} value={cover} onChange={(e) => setCover(e.target.value)} />
      </label>
      <div className="row">
        <label>
          Your bid ({currency})
          <input inputMode="decimal" required value={bid} onChange={(e) => setBid(e.target.value)} />
        </label>
        <label>
          Days needed
          <input type="number" min={1} required value={days} onChange={(e) => setDays(e.target.value)} />
        </label>
      </div>
      <ErrorLine error={error} />
      <button type="submit" disabled={busy}>
        Send application
      </button>
    </form>
  )
}

function Applications({ jobId }: { jobId: string }): ReactNode {
  const list = useLoad(async () => {
    const page = await kelmah.api.GET('/api/jobs/{id}/applications', {
      params: { path: { id: jobId }, query: { limit: 50 } },
    })
    return (page.data as { items: Application[] }).items
  }, [jobId])
  const [act, busy, error] = useAction(async (a: Application, step: 'shortlist' | 'accept') => {
    if (step === 'shortlist') {
      await kelmah.api.POST('/api/applications/{id}/shortlist', { params: { path: { id: a.id } } })
      list.reload()
      return
    }
    const res = await kelmah.api.POST('/api/applications/{id}/accept', {
      params: { path: { id: a.id } },
      body: {},
    })
    const contract = unwrap<{ id: string }>(res.data, 'contract')
    go(`/contracts/${contract.id}`)
  })
  return (
    <section aria-labelledby="apps">
      <h2 id="apps">Applications</h2>
      <ErrorLine error={list.error ?? error} />
      {list.data?.length === 0 && <p>No applications yet.</p>}
      <ul className="cards" aria-label="Applications">
        {list.data?.map((a) => (
          <li key={a.id} className="card">
            <p className="meta">
              <a href={`#/users/${a.workerId}`}>Worker profile</a> · bid {formatMoney(a.bid)} ·{' '}
              {a.estimatedDays} days · <Badge>{a.status}</Badge>
            </p>
            <p>{a.coverLetter}</p>
            <div className="actions">
              {a.status === 'pending' && (
                <button disabled={busy} onClick={() => void act(a, 'shortlist')}>
                  Shortlist
                </button>
              )}
              {(a.status === 'pending' || a.status === 'shortlisted') && (
                <button disabled={busy} onClick={() => void act(a, 'accept')}>
                  Accept and make a contract
                </button>
              )}
              <a href={`#/chat/with/${a.workerId}`}>Message</a>
            </div>
          </li>
        ))}
      </ul>
    </section>
  )
}
