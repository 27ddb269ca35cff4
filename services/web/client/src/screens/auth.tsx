/**
 * Sign up (name, e-mail, password, role) → the 6-digit code mailed (MailDev locally) → signed in;
 * and sign in.
 */
import { useState, type FormEvent, type ReactNode } from 'react'
import { kelmah } from '../kelmah.js'
import { ErrorLine, useAction } from '../ui.js'

export function AuthScreen(): ReactNode {
  const [mode, setMode] = useState<'signin' | 'signup' | 'verify'>(() =>
    kelmah.session?.user && !kelmah.session.user.emailVerified ? 'verify' : 'signin',
  )
  const [email, setEmail] = useState(kelmah.session?.user?.email ?? '')
  const [password, setPassword] = useState('')
  const [name, setName] = useState('')
  const [role, setRole] = useState<'hirer' | 'worker'>('worker')
  const [code, setCode] = useState('')

  const [signUp, signingUp, signUpError] = useAction(async () => {
    await kelmah.auth.register({ email, password, name, role })
    setMode('verify')
  })
  const [verify, verifying, verifyError] = useAction(async () => {
    await kelmah.auth.verifyOtp({ email, code: code.trim() })
    if (!password) return setMode('signin') // reloaded since sign-up: sign in again
    await kelmah.auth.login({ email, password })
  })
  const [signIn, signingIn, signInError] = useAction(async () => {
    const { user } = await kelmah.auth.login({ email, password })
    if (!user.emailVerified) setMode('verify')
  })
  const submit = (fn: () => Promise<void>) => (e: FormEvent) => {
    e.preventDefault()
    void fn()
  }

  return (
    <main id="main" className="auth">
      <h1>Kelmah</h1>
      <p className="lead">Hire skilled people, or find your next job.</p>
      {mode !== 'verify' && (
        <div role="tablist" aria-label="Account" className="tabs">
          <button role="tab" aria-selected={mode === 'signin'} onClick={() => setMode('signin')}>
            Sign in
          </button>
          <button role="tab" aria-selected={mode === 'signup'} onClick={() => setMode('signup')}>
            Sign up
          </button>
        </div>
      )}
      {mode === 'signin' && (
        <form onSubmit={submit(signIn)} aria-label="Sign in">
          <label>
            E-mail
            <input
              type="email"
              autoComplete="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </label>
          <label>
            Password
            <input
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          <ErrorLine error={signInError} />
          <button type="submit" disabled={signingIn}>
            Sign in
          </button>
        </form>
      )}
      {mode === 'signup' && (
        <form onSubmit={submit(signUp)} aria-label="Sign up">
          <label>
            Your name
            <input autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label>
            E-mail
            <input
              type="email"
              autoComplete="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </label>
          <label>
            Password
            <input
              type="password"
              autoComplete="new-password"
              required
              minLength={8}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          <fieldset>
            <legend>I want to</legend>
            <label className="inline">
              <input type="radio" name="role" checked={role === 'hirer'} onChange={() => setRole('hirer')} />{' '}
              hire
            </label>
            <label className="inline">
              <input
                type="radio"
                name="role"
                checked={role === 'worker'}
                onChange={() => setRole('worker')}
              />{' '}
              work
            </label>
          </fieldset>
          <ErrorLine error={signUpError} />
          <button type="submit" disabled={signingUp}>
            Create account
          </button>
        </form>
      )}
      {mode === 'verify' && (
        <form onSubmit={submit(verify)} aria-label="Verify e-mail">
          <p>We mailed a 6-digit code to {email}.</p>
          <label>
            Code
            <input
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]{6}"
              required
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
          </label>
          <ErrorLine error={verifyError} />
          <button type="submit" disabled={verifying}>
            Verify
          </button>
        </form>
      )}
    </main>
  )
}
