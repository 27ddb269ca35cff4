/**
 * Notifications; profiles (mine, editable, with the portfolio; anyone's, with their ratings and
 * public reviews); and the admin screens: user search with suspension, the review reports queue
 * and payment disputes.
 */
import { useState, type ReactNode } from 'react'
import type { SessionUser } from '@kelmah/sdk'
import { chatSocket, formatMoney, kelmah, when, type Money } from '../kelmah.js'
import { Badge, ErrorLine, useAction, useLoad } from '../ui.js'
import { useEffect } from 'react'

interface Note {
  id: string
  kind: string
  title: string
  body: string
  read: boolean
  createdAt: string
}

export function NotificationsScreen(): ReactNode {
  const list = useLoad(async () => {
    const page = await kelmah.api.GET('/api/notifications/', { params: { query: { limit: 50 } } })
    return (page.data as { items: Note[] }).items
  })
  useEffect(() => chatSocket().on('notification', () => list.reload()), [list.reload])
  const [readAll, busy, error] = useAction(async () => {
    await kelmah.api.POST('/api/notifications/read-all')
    list.reload()
  })
  return (
    <main id="main">
      <h1>Notifications</h1>
      <button disabled={busy} onClick={() => void readAll()}>
        Mark all read
      </button>
      <ErrorLine error={list.error ?? error} />
      {list.data?.length === 0 && <p>Nothing yet.</p>}
      <ul className="cards" aria-label="Notifications">
        {list.data?.map((n) => (
          <li key={n.id} className={`card ${n.read ? 'read' : 'unread'}`}>
            <h2>{n.title}</h2>
            <p>{n.body}</p>
            <p className="meta">
              {when(n.createdAt)} {n.read ? '' : '· unread'}
            </p>
          </li>
        ))}
      </ul>
    </main>
  )
}

interface Profile {
  id: string
  role: string
  displayName: string
  headline: string | null
  bio: string | null
  skills: string[]
  rating?: { average: number; count: number } | null
  portfolio?: Array<{ id: string; title: string; description?: string; links?: string[] }>
}
interface Review {
  id: string
  authorName: string | null
  rating: number
  comment: string
  jobTitle: string | null
  createdAt: string
}

function Ratings({ userId }: { userId: string }): ReactNode {
  const summary = useLoad(
    async () =>
      (await kelmah.api.GET('/api/reviews/summary', { params: { query: { userId } } })).data as {
        count: number
        average: number
      },
    [userId],
  )
  const reviews = useLoad(async () => {
    const page = await kelmah.api.GET('/api/reviews', { params: { query: { userId, limit: 20 } as never } })
    return (page.data as { items: Review[] }).items
  }, [userId])
  return (
    <section aria-labelledby="ratings">
      <h2 id="ratings">Ratings</h2>
      <p data-testid="rating-summary">
        {summary.data && summary.data.count > 0
          ? `${summary.data.average.toFixed(1)} ★ from ${summary.data.count} review${summary.data.count === 1 ? '' : 's'}`
          : 'No reviews yet.'}
      </p>
      <ul className="cards" aria-label="Reviews">
        {reviews.data?.map((r) => (
          <li key={r.id} className="card">
            <p className="meta">
              {r.rating} ★ · {r.authorName ?? 'someone'} · {r.jobTitle ?? ''}
            </p>
            <p>{r.comment}</p>
          </li>
        ))}
      </ul>
    </section>
  )
}

export function ProfileScreen({ userId, me }: { userId: string; me: SessionUser }): ReactNode {
  const mine = userId === me.id
  const profile = useLoad(async () => {
    const res = mine
      ? await kelmah.api.GET('/api/users/me')
      : await kelmah.api.GET('/api/users/{id}', { params: { path: { id: userId } } })
    const body = res.data as { profile?: Profile } & Profile
    return body.profile ?? body
  }, [userId])
  const p = profile.data
  return (
    <main id="main">
      <ErrorLine error={profile.error} />
      {p && (
        <>
          <h1>{p.displayName}</h1>
          <p className="lead">{p.headline ?? ''}</p>
          {p.bio && <p className="prose">{p.bio}</p>}
          <p className="skills">Skills: {p.skills.join(', ') || '—'}</p>
          {mine && <EditProfile profile={p} onSaved={profile.reload} />}
          <section aria-labelledby="portfolio">
            <h2 id="portfolio">Portfolio</h2>
            <ul className="cards">
              {p.portfolio?.map((item) => (
                <li key={item.id} className="card">
                  <h3>{item.title}</h3>
                  {item.description && <p>{item.description}</p>}
                  {item.links?.map((l) => (
                    <a key={l} href={l} rel="noreferrer noopener" target="_blank">
                      {l}
                    </a>
                  ))}
                </li>
              ))}
            </ul>
            {mine && <AddPortfolio onSaved={profile.reload} />}
          </section>
          <Ratings userId={userId} />
        </>
      )}
    </main>
  )
}

function EditProfile({ profile, onSaved }: { profile: Profile; onSaved: () => void }): ReactNode {
  const [headline, setHeadline] = useState(profile.headline ?? '')
  const [bio, setBio] = useState(profile.bio ?? '')
  const [skills, setSkills] = useState(profile.skills.join(', '))
  const [save, busy, error] = useAction(async () => {
    await kelmah.api.PATCH('/api/users/me', {
      body: {
        ...(headline ? { headline } : {}),
        ...(bio ? { bio } : {}),
        skills: skills
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      },
    })
    onSaved()
  })
  return (
    <details>
      <summary>Edit profile</summary>
      <form
        aria-label="Edit profile"
        onSubmit={(e) => {
          e.preventDefault()
          void save()
        }}
      >
        <label>
          Headline
          <input value={headline} onChange={(e) => setHeadline(e.target.value)} />
        </label>
        <label>
          About you
          <textarea rows={3} value={bio} onChange={(e) => setBio(e.target.value)} />
        </label>
        <label>
          Skills (comma-separated)
          <input value={skills} onChange={(e) => setSkills(e.target.value)} />
        </label>
        <ErrorLine error={error} />
        <button type="submit" disabled={busy}>
          Save profile
        </button>
      </form>
    </details>
  )
}

function AddPortfolio({ onSaved }: { onSaved: () => void }): ReactNode {
  const [title, setTitle] = useState('')
  const [link, setLink] = useState('')
  const [add, busy, error] = useAction(async () => {
    await kelmah.api.POST('/api/users/me/portfolio', { body: { title, ...(link ? { links: [link] } : {}) } })
    setTitle('')
    setLink('')
    onSaved()
  })
  return (
    <form
      aria-label="Add to portfolio"
      className="row"
      onSubmit={(e) => {
        e.preventDefault()
        void add()
      }}
    >
      <label>
        Project title
        <input required value={title} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <label>
        Link
        <input type="url" value={link} onChange={(e) => setLink(e.target.value)} />
      </label>
      <button type="submit" disabled={busy}>
        Add project
      </button>
      <ErrorLine error={error} />
    </form>
  )
}

interface AdminUser {
  id: string
  email: string
  name: string
  role: string
  suspended: boolean
}
interface Report {
  id: string
  reason: string
  status: string
  review?: { comment?: string; rating?: number } | null
}
interface Dispute {
  id: string
  contractId: string
  reason: string
  status: string
  workerAmount?: Money | null
}

export function AdminScreen(): ReactNode {
  const [q, setQ] = useState('')
  const [query, setQuery] = useState('')
  const users = useLoad(async () => {
    const page = await kelmah.api.GET('/api/auth/admin/users', {
      params: { query: { q: query, limit: 20 } as never },
    })
    return (page.data as { items: AdminUser[] }).items
  }, [query])
  const reports = useLoad(
    async () => ((await kelmah.api.GET('/api/reviews/reports')).data as { items: Report[] }).items,
  )
  const disputes = useLoad(
    async () => ((await kelmah.api.GET('/api/payments/disputes')).data as { items: Dispute[] }).items,
  )
  const [act, busy, error] = useAction(async (what: () => Promise<unknown>, reload: () => void) => {
    await what()
    reload()
  })
  return (
    <main id="main">
      <h1>Administration</h1>
      <ErrorLine error={error} />
      <section aria-labelledby="users">
        <h2 id="users">Users</h2>
        <form
          role="search"
          className="row"
          onSubmit={(e) => {
            e.preventDefault()
            setQuery(q)
          }}
        >
          <label>
            E-mail starts with
            <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
          </label>
          <button type="submit">Find</button>
        </form>
        <ErrorLine error={users.error} />
        <ul className="cards" aria-label="Users">
          {users.data?.map((u) => (
            <li key={u.id} className="card">
              {u.name} · {u.email} · {u.role} {u.suspended && <Badge>suspended</Badge>}
              <div className="actions">
                {u.suspended ? (
                  <button
                    disabled={busy}
                    onClick={() =>
                      void act(
                        () =>
                          kelmah.api.POST('/api/auth/admin/users/{id}/reinstate', {
                            params: { path: { id: u.id } },
                            body: { reason: 'reinstated from the console' } as never,
                          }),
                        users.reload,
                      )
                    }
                  >
                    Reinstate
                  </button>
                ) : (
                  <button
                    disabled={busy}
                    onClick={() =>
                      void act(
                        () =>
                          kelmah.api.POST('/api/auth/admin/users/{id}/suspend', {
                            params: { path: { id: u.id } },
                            body: { reason: 'suspended from the console' },
                          }),
                        users.reload,
                      )
                    }
                  >
                    Suspend
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="reports">
        <h2 id="reports">Reported reviews</h2>
        <ErrorLine error={reports.error} />
        {reports.data?.length === 0 && <p>No open reports.</p>}
        <ul className="cards">
          {reports.data?.map((r) => (
            <li key={r.id} className="card">
              “{r.review?.comment ?? ''}” · {r.reason} · <Badge>{r.status}</Badge>
              {r.status === 'open' && (
                <div className="actions">
                  <button
                    disabled={busy}
                    onClick={() =>
                      void act(
                        () =>
                          kelmah.api.POST('/api/reviews/reports/{id}/resolve', {
                            params: { path: { id: r.id } },
                            body: {} as never,
                          }),
                        reports.reload,
                      )
                    }
                  >
                    Hide the review
                  </button>
                  <button
                    disabled={busy}
                    onClick={() =>
                      void act(
                        () =>
                          kelmah.api.POST('/api/reviews/reports/{id}/dismiss', {
                            params: { path: { id: r.id } },
                            body: {} as never,
                          }),
                        reports.reload,
                      )
                    }
                  >
                    Dismiss
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="disputes">
        <h2 id="disputes">Disputes</h2>
        <ErrorLine error={disputes.error} />
        {disputes.data?.length === 0 && <p>No disputes.</p>}
        <ul className="cards">
          {disputes.data?.map((d) => (
            <li key={d.id} className="card">
              Contract {d.contractId} · {d.reason} · <Badge>{d.status}</Badge>{' '}
              {d.workerAmount && formatMoney(d.workerAmount)}
              {d.status === 'open' && (
                <div className="actions">
                  {(['release', 'refund'] as const).map((outcome) => (
                    <button
                      key={outcome}
                      disabled={busy}
                      onClick={() =>
                        void act(
                          () =>
                            kelmah.api.POST('/api/payments/disputes/{id}/resolve', {
                              params: { path: { id: d.id } },
                              body: { outcome },
                            }),
                          disputes.reload,
                        )
                      }
                    >
                      {outcome === 'release' ? 'Release to the worker' : 'Refund the hirer'}
                    </button>
                  ))}
                </div>
              )}
            </li>
          ))}
        </ul>
      </section>
    </main>
  )
}
