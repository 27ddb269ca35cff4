/** What the use cases of this service are built from (see `app.ts`). */
import type { JobModels } from '../models/index.js'

/** Models plus the outbox kick, the clock and the ranking bound. */
export interface ServiceDeps extends JobModels {
  /** Ask the outbox relay to publish now (after a write that carried events). */
  kick: () => void
  now: () => Date
  /** Candidates scored per ranked list (`RANKING_CANDIDATE_CAP`). */
  candidateCap: number
}

/** The caller of a use case: the verified token's subject and role. */
export interface Caller {
  sub: string
  role: 'hirer' | 'worker' | 'admin'
}
