/**
 * Recommendations: open public jobs for a worker, and workers for a hirer's job, ranked by the
 * pure rules of `domain/ranking.ts` over a bounded candidate set, paged in memory by
 * `[score, at, id]` cursors. Workers come from the `worker_profiles` read model.
 */
import { pageOf, type Caller } from '@kelmah/service-kit'
import { Types, type QueryFilter } from 'mongoose'
import {
  compareScored,
  compareWorkers,
  isAfter,
  scoreJobForWorker,
  scoreWorkerForJob,
  type Scored,
} from '../domain/ranking.js'
import { JobNotFound } from '../errors.js'
import type { ApplicationDoc } from '../models/application.js'
import type { JobDoc } from '../models/job.js'
import type { WorkerProfileDoc } from '../models/worker-profile.js'
import type { ServiceDeps } from './deps.js'
import { decodeTypedCursor } from './paging.js'

/** A recommended job: the job and its score. */
export interface RecommendedJob {
  job: JobDoc
  score: number
}

/** A recommended worker: the profile snapshot and its score. */
export interface RecommendedWorker {
  profile: WorkerProfileDoc
  score: number
}

/** Recommendation use cases. */
export class Recommendations {
  readonly #d: ServiceDeps

  constructor(deps: ServiceDeps) {
    this.#d = deps
  }

  /**
   * Open public jobs for the calling worker, best first. Jobs the worker already applied to, and
   * jobs of suspended hirers, are left out. Candidates: the newest `candidateCap` open public jobs sharing a skill with the
   * worker (any open public job when the worker has no known skills).
   *
   * @throws BadRequest (400 naming `cursor`)
   */
  async jobsFor(
    caller: Caller,
    q: { limit?: number; cursor?: string },
  ): Promise<{ items: RecommendedJob[]; nextCursor: string | null }> {
    const limit = q.limit ?? 20
    // The cursor also carries the instant the first page was scored at: recency changes with
    // time, and later pages must be cut from the same ordering as the first.
    const pos = decodeTypedCursor(q.cursor, ['number', 'number', 'id', 'number'])
    const profile = await this.#d.WorkerProfile.findById(caller.sub).lean<WorkerProfileDoc>()
    const worker = { skills: profile?.skills ?? [], hourlyRate: profile?.hourlyRate ?? null }
    const applied = await this.#d.Application.find({ workerId: caller.sub }, { jobId: 1 }).lean<
      Pick<ApplicationDoc, 'jobId'>[]
    >()
    const filter: QueryFilter<JobDoc> = {
      status: 'open',
      visibility: 'public',
      hirerId: { $ne: caller.sub },
      hirerSuspended: { $ne: true },
    }
    if (applied.length > 0) filter._id = { $nin: applied.map((a) => a.jobId) }
    if (worker.skills.length > 0) filter.skills = { $in: worker.skills }
    const candidates = await this.#d.Job.find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .limit(this.#d.candidateCap)
      .lean<JobDoc[]>()
    const now = pos ? new Date(pos[3] as number) : this.#d.now()
    const scored: Scored<JobDoc>[] = candidates.map((job) => {
      const postedAt = new Date(job.publishedAt ?? job.createdAt)
      return {
        item: job,
        score: scoreJobForWorker({ skills: job.skills, budget: job.budget, postedAt }, worker, now),
        at: postedAt.getTime(),
        id: String(job._id),
      }
    })
    scored.sort(compareScored)
    const after = pos ? scored.filter((s) => isAfter(s, pos.slice(0, 3) as [number, number, string])) : scored
    const page = pageOf(after, limit, (s) => [s.score, s.at, s.id, now.getTime()])
    return { items: page.items.map((s) => ({ job: s.item, score: s.score })), nextCursor: page.nextCursor }
  }

  /**
   * Workers for one of the caller's jobs, best first: worker profiles not marked unavailable nor
   * suspended, sharing at least one skill with the job (candidates: up to `candidateCap`).
   *
   * @throws JobNotFound (404) when the job is unknown or not the caller's; BadRequest (cursor)
   */
  async workersFor(
    caller: Caller,
    jobId: string,
    q: { limit?: number; cursor?: string },
  ): Promise<{ items: RecommendedWorker[]; nextCursor: string | null }> {
    const job = await this.#d.Job.findById(new Types.ObjectId(jobId)).lean<JobDoc>()
    if (!job || job.hirerId !== caller.sub) throw new JobNotFound(jobId)
    const limit = q.limit ?? 20
    const pos = decodeTypedCursor(q.cursor, ['number', 'number', 'string'])
    const filter: QueryFilter<WorkerProfileDoc> = {
      role: 'worker',
      // A snapshot made from a rating alone (no profile yet) has no skills or rate to rank by.
      profileVersion: { $gt: 0 },
      availability: { $ne: 'unavailable' },
      suspended: { $ne: true },
      _id: { $ne: caller.sub },
    }
    if (job.skills.length > 0) filter.skills = { $in: job.skills }
    const candidates = await this.#d.WorkerProfile.find(filter)
      .limit(this.#d.candidateCap)
      .lean<WorkerProfileDoc[]>()
    const ranked = candidates
      .map((p) => ({ id: p._id, profile: p, rating: p.rating, score: scoreWorkerForJob(job, p) }))
      .sort(compareWorkers)
    // The cursor is [score, rank, id] of the last worker sent: the next page starts after that
    // worker; if it dropped out of the candidates meanwhile, after the last worker with a score
    // at least as high.
    let start = 0
    if (pos) {
      const idx = ranked.findIndex((r) => r.id === pos[2])
      start = idx >= 0 ? idx + 1 : ranked.findIndex((r) => r.score < (pos[0] as number))
      if (start < 0) start = ranked.length
    }
    const rest = ranked.slice(start).map((r, i) => ({ ...r, rank: start + i }))
    const page = pageOf(rest, limit, (r) => [r.score, r.rank, r.id])
    return {
      items: page.items.map((r) => ({ profile: r.profile, score: r.score })),
      nextCursor: page.nextCursor,
    }
  }
}
