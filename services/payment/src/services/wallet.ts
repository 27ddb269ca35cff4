/** Wallets and payouts (being written). */
import type { PaymentDeps } from './deps.js'

/** The wallet use cases. */
export class Wallet {
  readonly #d: PaymentDeps

  constructor(deps: PaymentDeps) {
    this.#d = deps
  }
}
