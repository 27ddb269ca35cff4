/**
 * `/api/jobs`: post, browse/search, read, the hirer's own list, edit, publish, close, cancel,
 * categories. Every route is authenticated; changes need a hirer with a verified email.
 */
import { authenticated, requireRole, requireVerifiedEmail } from '@kelmah/service-kit'
import { CATEGORIES } from '../domain/categories.js'
import {
  CancelJobSchema,
  CategoriesSchema,
  CloseJobSchema,
  CreateJobSchema,
  GetJobSchema,
  MyJobsSchema,
  PublishJobSchema,
  SearchJobsSchema,
  UpdateJobSchema,
} from '../schemas/jobs.js'
import { toJobView } from '../services/views.js'
import { callerOf, eventContextOf, optionalBody, type JobRoutePlugin } from './context.js'

/** Job routes (full paths; registered without a prefix). */
export const jobRoutes: JobRoutePlugin = authenticated((app, { jobs, jobSearch }) => {
  const hirer = { preHandler: [requireRole('hirer')] }
  const verifiedHirer = { preHandler: [requireRole('hirer'), requireVerifiedEmail] }

  app.get('/api/jobs/categories', { schema: CategoriesSchema }, () =>
    Promise.resolve({ items: [...CATEGORIES] }),
  )

  app.post('/api/jobs', { schema: CreateJobSchema, ...verifiedHirer }, async (request, reply) => {
    const job = await jobs.create(callerOf(request), request.body, eventContextOf(request))
    return reply.code(201).send(toJobView(job))
  })

  app.get('/api/jobs', { schema: SearchJobsSchema }, async (request) => {
    const page = await jobSearch.search(callerOf(request), request.query)
    return { items: page.items.map(toJobView), nextCursor: page.nextCursor }
  })

  app.get('/api/jobs/mine', { schema: MyJobsSchema, ...hirer }, async (request) => {
    const page = await jobSearch.mine(callerOf(request), request.query)
    return { items: page.items.map(toJobView), nextCursor: page.nextCursor }
  })

  app.get('/api/jobs/:id', { schema: GetJobSchema }, async (request) =>
    toJobView(await jobs.get(callerOf(request), request.params.id)),
  )

  app.patch('/api/jobs/:id', { schema: UpdateJobSchema, ...verifiedHirer }, async (request) =>
    toJobView(await jobs.update(callerOf(request), request.params.id, request.body, eventContextOf(request))),
  )

  app.post('/api/jobs/:id/publish', { schema: PublishJobSchema, ...verifiedHirer }, async (request) =>
    toJobView(await jobs.publish(callerOf(request), request.params.id, eventContextOf(request))),
  )

  app.post(
    '/api/jobs/:id/close',
    { schema: CloseJobSchema, ...verifiedHirer, ...optionalBody },
    async (request) =>
      toJobView(
        await jobs.close(callerOf(request), request.params.id, request.body.reason, eventContextOf(request)),
      ),
  )

  app.post(
    '/api/jobs/:id/cancel',
    { schema: CancelJobSchema, ...verifiedHirer, ...optionalBody },
    async (request) =>
      toJobView(
        await jobs.cancel(callerOf(request), request.params.id, request.body.reason, eventContextOf(request)),
      ),
  )
  return Promise.resolve()
})
