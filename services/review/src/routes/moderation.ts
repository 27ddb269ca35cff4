/**
 * Moderation routes (services/moderation.ts): any signed-in user reports a review they can see;
 * admins list the reports, resolve or dismiss them, and hide or restore reviews (each decision
 * an entry in the audit log, `GET /api/reviews/admin/audit`, app.ts). Admin routes answer 403 to
 * every other role.
 */
import { authenticated, requireRole } from '@kelmah/service-kit'
import { CloseReportSchema, ListReportsSchema, ModerateSchema, ReportSchema } from '../schemas/reviews.js'
import { callerOf, eventContextOf, type ReviewRoutePlugin } from './context.js'

/** The moderation routes. */
export const moderationRoutes: ReviewRoutePlugin = authenticated(async (app, { moderation }) => {
  const admins = requireRole('admin')

  app.post('/api/reviews/:id/report', { schema: ReportSchema }, async (request, reply) => {
    const report = await moderation.report(callerOf(request), request.params.id, request.body.reason)
    return reply.code(201).send({ report })
  })

  app.get('/api/reviews/reports', { schema: ListReportsSchema, preHandler: admins }, async (request) =>
    moderation.reports(callerOf(request), request.query),
  )

  for (const what of ['resolve', 'dismiss'] as const) {
    app.post(
      `/api/reviews/reports/:id/${what}`,
      { schema: CloseReportSchema(what), preHandler: admins },
      async (request) => ({
        report: await moderation.close(
          callerOf(request),
          request.params.id,
          what === 'resolve' ? 'resolved' : 'dismissed',
          request.body?.note,
          eventContextOf(request),
        ),
      }),
    )
  }

  for (const what of ['hide', 'restore'] as const) {
    app.post(
      `/api/reviews/:id/${what}`,
      { schema: ModerateSchema(what), preHandler: admins },
      async (request) => ({
        review: await moderation.moderate(
          callerOf(request),
          request.params.id,
          what === 'hide',
          request.body.reason,
          eventContextOf(request),
        ),
      }),
    )
  }
})
