/**
 * Schemas of the admins' report routes (`routes/admin.ts`): the queue, one report, resolve and
 * dismiss. The audit log's route and schema are service-kit's (`auditRoutes`).
 */
import { Id, Page, PageQuery, Problem } from '@kelmah/contracts'
import { AUDIT_REASON_MAX } from '@kelmah/service-kit'
import Type from 'typebox'
import { bearer, MessageSchema } from './chat.js'

const tags = ['admin']
const Iso = Type.String({ format: 'date-time' })
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
const problems = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, Problem]))

/** The reported message as the reporter saw it (services/moderation.ts#SnapshotView). */
export const SnapshotSchema = Type.Object(
  {
    id: Type.String(),
    conversationId: Type.String(),
    senderId: Type.String(),
    type: Type.String(),
    content: Type.String({ description: 'the text when reported (kept after edits, deletes and removals)' }),
    attachment: Nullable(
      Type.Object({
        id: Type.String(),
        filename: Type.String(),
        contentType: Type.String(),
        size: Type.Integer(),
      }),
    ),
    createdAt: Iso,
    editedAt: Nullable(Iso),
    capturedAt: Type.String({ format: 'date-time', description: 'when the copy was taken (the report)' }),
  },
  { additionalProperties: false },
)

const Resolution = Type.Enum(['none', 'remove_message'], {
  description: '`remove_message`: the reported message is removed for everyone (reports of messages only)',
})

/** A report as admins see it (services/moderation.ts#AdminReportView). */
export const AdminReportSchema = Type.Object(
  {
    id: Type.String(),
    reporterId: Type.String(),
    userId: Type.String({ description: 'the reported user (the sender, for a report of a message)' }),
    messageId: Nullable(Type.String()),
    conversationId: Nullable(Type.String()),
    reason: Type.String(),
    details: Nullable(Type.String()),
    status: Type.Enum(['open', 'resolved', 'dismissed']),
    createdAt: Iso,
    snapshot: Nullable(SnapshotSchema),
    closure: Nullable(
      Type.Object(
        {
          status: Type.Enum(['resolved', 'dismissed']),
          by: Type.String({ description: 'the admin' }),
          at: Iso,
          reason: Type.String(),
          action: Resolution,
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)

/** `GET /admin/reports` query. */
export const ListReportsQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum(['open', 'resolved', 'dismissed'], { default: 'open' })),
    order: Type.Optional(
      Type.Enum(['oldest', 'newest'], {
        default: 'oldest',
        description: 'by report time; oldest first by default',
      }),
    ),
    ...PageQuery.properties,
  },
  { additionalProperties: false },
)

const ReportParams = Type.Object({ id: Id }, { additionalProperties: false })
const Reason = Type.String({ minLength: 1, maxLength: AUDIT_REASON_MAX, pattern: '\\S' })

/** `GET /api/chat/admin/reports`. */
export const ListReportsSchema = {
  summary: 'The queue of reports of users and messages, oldest first unless order=newest (admins)',
  tags,
  security: bearer,
  querystring: ListReportsQuery,
  response: { 200: Page(AdminReportSchema), ...problems(400, 401, 403) },
}

/** `GET /api/chat/admin/reports/:id`. */
export const GetReportSchema = {
  summary: 'One report, with the reported message as reported and as it is now (admins)',
  tags,
  security: bearer,
  params: ReportParams,
  response: {
    200: Type.Object(
      { ...AdminReportSchema.properties, currentMessage: Nullable(MessageSchema) },
      { additionalProperties: false },
    ),
    ...problems(400, 401, 403, 404),
  },
}

/** `POST /api/chat/admin/reports/:id/resolve`. */
export const ResolveReportSchema = {
  summary: 'Resolve an open report, optionally removing the reported message for everyone (admins)',
  description:
    'A report is closed once: 409 `MSG_ERR_REPORT_CLOSED` after a resolve or dismiss. `action: remove_message` ' +
    'on a report of a user is 400 `MSG_ERR_ACTION_NOT_APPLICABLE` (field `action`). Recorded in the audit log.',
  tags,
  security: bearer,
  params: ReportParams,
  body: Type.Object({ reason: Reason, action: Type.Optional(Resolution) }, { additionalProperties: false }),
  response: { 200: Type.Object({ report: AdminReportSchema }), ...problems(400, 401, 403, 404, 409) },
}

/** `POST /api/chat/admin/reports/:id/dismiss`. */
export const DismissReportSchema = {
  summary: 'Dismiss an open report: nothing is done about it (admins)',
  description:
    'A report is closed once: 409 `MSG_ERR_REPORT_CLOSED` after a resolve or dismiss. A dismissal takes ' +
    'no action (`remove_message` is 400 `MSG_ERR_ACTION_NOT_APPLICABLE`, field `action`). Recorded in the audit log.',
  tags,
  security: bearer,
  params: ReportParams,
  body: Type.Object({ reason: Reason, action: Type.Optional(Resolution) }, { additionalProperties: false }),
  response: { 200: Type.Object({ report: AdminReportSchema }), ...problems(400, 401, 403, 404, 409) },
}
