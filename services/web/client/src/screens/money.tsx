/**
 * The wallet: balances per currency (available, in escrow), the movements, the payout account
 * (Stripe Connect) and a payout of part of the available balance.
 */
import { useState, type ReactNode } from 'react'
import { formatMoney, kelmah, toMinor, type Money } from '../kelmah.js'
import { ErrorLine, useAction, useLoad } from '../ui.js'

interface Balance {
  currency: string
  available: Money
  inEscrow: Money
}
interface Movement {
  id: string
  kind: string
  direction: string
  amount: Money
  createdAt: string
}

export function WalletScreen(): ReactNode {
  const wallet = useLoad(
    async () => ((await kelmah.api.GET('/api/wallet')).data as { balances: Balance[] }).balances,
  )
  const moves = useLoad(async () => {
    const page = await kelmah.api.GET('/api/wallet/transactions', { params: { query: { limit: 20 } } })
    return (page.data as { items: Movement[] }).items
  })
  const [amount, setAmount] = useState('')
  const [currency, setCurrency] = useState('')
  const [paid, setPaid] = useState<string>()
  const cur = currency || wallet.data?.[0]?.currency || 'USD'
  const [payout, busy, error] = useAction(async () => {
    await kelmah.api.POST('/api/wallet/payout-account')
    const res = await kelmah.api.POST('/api/wallet/payouts', {
      body: { amount: { amountMinor: toMinor(amount, cur), currency: cur as 'USD' } },
    })
    const p = res.data as { status: string; amount: Money }
    setPaid(`Payout of ${formatMoney(p.amount)} ${p.status}.`)
    setAmount('')
    wallet.reload()
    moves.reload()
  })
  return (
    <main id="main">
      <h1>Wallet</h1>
      <ErrorLine error={wallet.error} />
      <table aria-label="Balances">
        <thead>
          <tr>
            <th scope="col">Currency</th>
            <th scope="col">Available</th>
            <th scope="col">In escrow</th>
          </tr>
        </thead>
        <tbody>
          {wallet.data?.map((b) => (
            <tr key={b.currency}>
              <th scope="row">{b.currency}</th>
              <td data-testid={`available-${b.currency}`}>{formatMoney(b.available)}</td>
              <td>{formatMoney(b.inEscrow)}</td>
            </tr>
          ))}
          {wallet.data?.length === 0 && (
            <tr>
              <td colSpan={3}>Nothing yet.</td>
            </tr>
          )}
        </tbody>
      </table>
      <form
        aria-label="Pay out"
        className="row"
        onSubmit={(e) => {
          e.preventDefault()
          void payout()
        }}
      >
        <label>
          Amount to pay out
          <input inputMode="decimal" required value={amount} onChange={(e) => setAmount(e.target.value)} />
        </label>
        <label>
          Currency
          <select value={cur} onChange={(e) => setCurrency(e.target.value)}>
            {(wallet.data ?? []).map((b) => (
              <option key={b.currency}>{b.currency}</option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={busy}>
          Pay out to my bank
        </button>
      </form>
      <ErrorLine error={error} />
      {paid && <p role="status">{paid}</p>}
      <h2>Movements</h2>
      <ul className="plain" aria-label="Movements">
        {moves.data?.map((m) => (
          <li key={m.id}>
            {new Date(m.createdAt).toLocaleDateString()} · {m.kind.replace(/_/g, ' ')} ·{' '}
            {m.direction === 'debit' ? '−' : '+'}
            {formatMoney(m.amount)}
          </li>
        ))}
      </ul>
    </main>
  )
}
