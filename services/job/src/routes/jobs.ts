/**
 * `/api/jobs`: post, browse/search, read, the hirer's own list, edit, publish, close, cancel,
 * categories. Every route is authenticated; changes need a hirer with a verified email.
 */
import { requireRole, requireVerifiedEmail, type KelmahApp } from '@kelmah/service-kit'
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
import { eventContext, userOf, type RouteOptions } from './context.js'

/** Job routes (full paths; registered without a prefix). */
export async function jobRoutes(app: KelmahApp, opts: RouteOptions): Promise<void> {
  const { jobs } = opts
  const authed = { preHandler: [app.authenticate] }
  const hirer = { preHandler: [app.authenticate, requireRole('hirer')] }
  const verifiedHirer = { preHandler: [app.authenticate, requireRole('hirer'), requireVerifiedEmail] }
  // The body of close/cancel is optional: an empty request validates as `{}`.
  const optionalBody = {
    preValidation: async (request: { body: unknown }) => {
      request.body ??= {}
    },
  }

  app.get('/api/jobs/categories', { schema: CategoriesSchema, ...authed }, async () => ({
    items: [...CATEGORIES],
  }))

  app.post('/api/jobs', { schema: CreateJobSchema, ...verifiedHirer }, async (request, reply) => {
    const job = await jobs.create(userOf(request), request.body, eventContext(request))
    return reply.code(201).send(toJobView(job))
  })

  app.get('/api/jobs', { schema: SearchJobsSchema, ...authed }, async (request) => {
    const page = await jobs.search(userOf(request), request.query)
    return { items: page.items.map(toJobView), nextCursor: page.nextCursor }
  })

  app.get('/api/jobs/mine', { schema: MyJobsSchema, ...hirer }, async (request) => {
    const page = await jobs.mine(userOf(request), request.query)
    return { items: page.items.map(toJobView), nextCursor: page.nextCursor }
  })

  app.get('/api/jobs/:id', { schema: GetJobSchema, ...authed }, async (request) =>
    toJobView(await jobs.get(userOf(request), request.params.id)),
  )

  app.patch('/api/jobs/:id', { schema: UpdateJobSchema, ...verifiedHirer }, async (request) =>
    toJobView(await jobs.update(userOf(request), request.params.id, request.body, eventContext(request))),
  )

  app.post('/api/jobs/:id/publish', { schema: PublishJobSchema, ...verifiedHirer }, async (request) =>
    toJobView(await jobs.publish(userOf(request), request.params.id, eventContext(request))),
  )

  app.post(
    '/api/jobs/:id/close',
    { schema: CloseJobSchema, ...verifiedHirer, ...optionalBody },
    async (request) =>
      toJobView(
        await jobs.close(userOf(request), request.params.id, request.body.reason, eventContext(request)),
      ),
  )

  app.post(
    '/api/jobs/:id/cancel',
    { schema: CancelJobSchema, ...verifiedHirer, ...optionalBody },
    async (request) =>
      toJobView(
        await jobs.cancel(userOf(request), request.params.id, request.body.reason, eventContext(request)),
      ),
  )
}
