/** Disputes (being written). */
import type { PaymentDeps } from './deps.js'
import type { Settlement } from './settlement.js'

/** The dispute use cases. */
export class Disputes {
  readonly #d: PaymentDeps
  readonly #settlement: Settlement

  constructor(deps: PaymentDeps, settlement: Settlement) {
    this.#d = deps
    this.#settlement = settlement
  }
}
