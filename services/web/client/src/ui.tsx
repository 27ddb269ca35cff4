/**
 * Small shared pieces: the hash router, async-action state with an error line screen readers
 * announce, and a retry for the "not heard yet" answers of an event-driven backend (a service
 * that has not consumed the event that makes a contract known to it yet).
 */
import { KelmahProblem } from '@kelmah/sdk'
import { useCallback, useEffect, useState, type ReactNode } from 'react'
import { describeError } from './kelmah.js'

/** The current hash route, split: `#/jobs/42` → `['jobs', '42']`. */
export function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean)
  const [route, setRoute] = useState(read)
  useEffect(() => {
    const on = () => setRoute(read())
    addEventListener('hashchange', on)
    return () => removeEventListener('hashchange', on)
  }, [])
  return route
}

/** Go to a hash route (`go('/jobs/42')`); `replace` swaps the current history entry (redirects). */
export function go(path: string, replace = false): void {
  if (replace) location.replace(`#${path}`)
  else location.hash = `#${path}`
}

/** Codes that mean "this service has not consumed the event yet": worth a short retry. */
const NOT_YET = new Set([
  'PAYMENT_ERR_CONTRACT_NOT_FOUND',
  'PAYMENT_ERR_CONTRACT_NOT_ACTIVE',
  'REVIEW_ERR_CONTRACT_NOT_FOUND',
  'REVIEW_ERR_CONTRACT_NOT_ENDED',
  'MSG_ERR_USER_NOT_FOUND',
  'MSG_ERR_RECIPIENT_NOT_FOUND',
])

/** Run `fn`, retrying for up to `ms` while the answer is a "not heard yet" problem. */
export async function eventually<T>(fn: () => Promise<T>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms
  for (let pause = 250; ; pause = Math.min(pause * 2, 1_000)) {
    try {
      return await fn()
    } catch (err) {
      const notYet =
        err instanceof KelmahProblem &&
        (NOT_YET.has(err.code) || (err.status === 404 && /NOT_FOUND/.test(err.code)))
      if (!notYet || Date.now() > deadline) throw err
      await new Promise((r) => setTimeout(r, pause))
    }
  }
}

/** `[run, busy, error]`: run an async action, with its busy flag and error sentence. */
export function useAction<A extends unknown[]>(
  fn: (...args: A) => Promise<unknown>,
): [(...args: A) => Promise<void>, boolean, string | undefined] {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const run = useCallback(
    async (...args: A) => {
      setBusy(true)
      setError(undefined)
      try {
        await fn(...args)
      } catch (err) {
        setError(describeError(err))
      } finally {
        setBusy(false)
      }
    },
    [fn],
  )
  return [run, busy, error]
}

/** Load data once (and again when `deps` change or `reload()` is called). */
export function useLoad<T>(
  fn: () => Promise<T>,
  deps: unknown[] = [],
): {
  data: T | undefined
  error: string | undefined
  reload: () => void
} {
  const [data, setData] = useState<T>()
  const [error, setError] = useState<string>()
  const [tick, setTick] = useState(0)
  useEffect(() => {
    let live = true
    fn().then(
      (d) => live && (setData(d), setError(undefined)),
      (err: unknown) => live && setError(describeError(err)),
    )
    return () => {
      live = false
    }
  }, [...deps, tick])
  return { data, error, reload: useCallback(() => setTick((n) => n + 1), []) }
}

/** An error line (`role="alert"`: read out when it appears). */
export function ErrorLine({ error }: { error: string | undefined }): ReactNode {
  return error ? (
    <p className="error" role="alert">
      {error}
    </p>
  ) : null
}

/** A status badge. */
export function Badge({ children }: { children: string }): ReactNode {
  return <span className={`badge badge-${children.replace(/\s+/g, '_')}`}>{children.replace(/_/g, ' ')}</span>
}
