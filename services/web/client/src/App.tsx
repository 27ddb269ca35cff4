/**
 * The console's shell: a skip link, the header with the main navigation (what each role can do),
 * the unread-notification count kept live by the socket, and the screen of the current hash route.
 */
import { useEffect, useState, type ReactNode } from 'react'
import type { Session } from '@kelmah/sdk'
import { chatSocket, kelmah, onSession } from './kelmah.js'
import { AuthScreen } from './screens/auth.js'
import { ChatScreen } from './screens/chat.js'
import { ContractScreen, ContractsScreen } from './screens/contracts.js'
import { JobScreen, JobsScreen, PostJobScreen } from './screens/jobs.js'
import { WalletScreen } from './screens/money.js'
import { AdminScreen, NotificationsScreen, ProfileScreen } from './screens/people.js'
import { useRoute } from './ui.js'

export function App(): ReactNode {
  const [session, setSession] = useState<Session | null>(kelmah.session)
  useEffect(() => onSession(setSession), [])
  const route = useRoute()
  const me = session?.user
  const [unread, setUnread] = useState(0)
  const verified = me?.emailVerified === true
  useEffect(() => {
    if (!verified) return
    const socket = chatSocket()
    const offs = [
      socket.on('hello', (f) => setUnread(f.unreadNotifications)),
      socket.on('notification', () => setUnread((n) => n + 1)),
    ]
    return () => offs.forEach((off) => off())
  }, [verified])
  useEffect(() => {
    if (route[0] === 'notifications') setUnread(0)
  }, [route])
  // Until the e-mail is verified (a fresh sign-up's session) the account screen stays, at its code step.
  if (!session || !me?.emailVerified) return <AuthScreen />

  const [section = 'jobs', id] = route
  let screen: ReactNode
  if (section === 'jobs' && id) screen = <JobScreen id={id} me={me} />
  else if (section === 'post') screen = <PostJobScreen />
  else if (section === 'contracts' && id) screen = <ContractScreen id={id} me={me} />
  else if (section === 'contracts') screen = <ContractsScreen me={me} />
  else if (section === 'chat') screen = <ChatScreen route={route} me={me} />
  else if (section === 'wallet') screen = <WalletScreen />
  else if (section === 'notifications') screen = <NotificationsScreen />
  else if (section === 'profile') screen = <ProfileScreen userId={me.id} me={me} />
  else if (section === 'users' && id) screen = <ProfileScreen userId={id} me={me} />
  else if (section === 'admin' && me.role === 'admin') screen = <AdminScreen />
  else screen = <JobsScreen />

  const link = (path: string, label: ReactNode, name = path) => (
    <li>
      <a href={`#/${path}`} aria-current={section === name ? 'page' : undefined}>
        {label}
      </a>
    </li>
  )
  return (
    <>
      <a
        className="skip"
        href="#main"
        onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}
      >
        Skip to content
      </a>
      <header>
        <a className="brand" href="#/jobs">
          Kelmah
        </a>
        <nav aria-label="Main">
          <ul>
            {link('jobs', 'Jobs')}
            {me.role === 'hirer' && link('post', 'Post a job')}
            {link('contracts', 'Contracts')}
            {link('chat', 'Messages')}
            {link('wallet', 'Wallet')}
            {link(
              'notifications',
              <>
                Notifications
                {unread > 0 && (
                  <span className="count" aria-label={`${unread} unread`}>
                    {' '}
                    {unread}
                  </span>
                )}
              </>,
            )}
            {link('profile', 'Profile')}
            {me.role === 'admin' && link('admin', 'Admin')}
          </ul>
        </nav>
        <span className="who">
          {me.name} ({me.role})
        </span>
        <button className="link" onClick={() => void kelmah.auth.logout()}>
          Sign out
        </button>
      </header>
      <div tabIndex={-1} className="screen">
        {screen}
      </div>
    </>
  )
}
