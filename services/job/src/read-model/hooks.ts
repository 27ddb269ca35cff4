/**
 * Freshness of the browse read model: every write to a job document re-indexes it, whichever use
 * case made it. The jobs store (`create`, `change`, `write` in service-kit's AggregateStore), the
 * application counters (`applications.ts`) and the suspension copy (`suspensions.ts`,
 * `updateMany` by `hirerId`) all write through the `Job` model, so the hook sits there — mongoose
 * middleware on `JobSchema`, registered when this module loads (before `app.ts` compiles the
 * model) — and finds the connection's {@link JobIndex} in a registry ({@link attachJobIndex}).
 *
 * The hook runs after the write resolved and before the caller sees it: the request that changed
 * a job answers after its list entry changed (read-your-writes on one instance). It never fails
 * the write; a crash between the two is repaired by the job's own events (`events/handlers.ts`,
 * queue `<service>.read-model`) and by a rebuild (`npm run jobs:reindex -w @kelmah/job`).
 *
 * Writes by other filters than `_id` or `hirerId` (none in the service today) re-index the jobs
 * the filter matches. `insertMany` is not hooked (only benches and seeds use it; they build).
 */
import type { Connection, Query, Types } from 'mongoose'
import { JobSchema, type JobDoc } from '../models/job.js'
import type { JobIndex } from './job-index.js'

const registry = new WeakMap<Connection, JobIndex>()

/** Serve `conn`'s job writes and lists with `index` (app.ts; the CLI and benches too). */
export function attachJobIndex(conn: Connection, index: JobIndex): void {
  registry.set(conn, index)
}

/** The read model attached to `conn`, if any. */
export function jobIndexOf(conn: Connection): JobIndex | undefined {
  return registry.get(conn)
}

type AnyQuery = Query<unknown, JobDoc>

async function afterQuery(this: AnyQuery): Promise<void> {
  const index = registry.get(this.model.db)
  if (!index) return
  const filter = this.getFilter() as Record<string, unknown>
  const id = filter._id
  if (typeof id === 'string' || (id && typeof id === 'object' && 'toHexString' in id)) {
    await index.refresh(id as string | Types.ObjectId)
  } else if (typeof filter.hirerId === 'string') {
    await index.refreshHirer(filter.hirerId)
  } else {
    const ids = await this.model.find(filter, { _id: 1 }).lean<{ _id: Types.ObjectId }[]>()
    for (const j of ids) await index.refresh(j._id)
  }
}

JobSchema.post(['updateOne', 'updateMany', 'findOneAndUpdate', 'replaceOne'], afterQuery)
JobSchema.post('save', async function (this: { _id: Types.ObjectId; constructor: { db: Connection } }) {
  const index = registry.get(this.constructor.db)
  if (index) await index.refresh(this._id)
})
