/** Schemas of the admin routes (routes/admin.ts): user search, suspend, reinstate. */
import { ObjectIdString, Page, PageQuery, Problem } from '@kelmah/contracts'
import { AUDIT_REASON_MAX } from '@kelmah/service-kit'
import Type, { type Static } from 'typebox'
import { bearer } from './user.js'

/** A user as admins see it (services/admin.ts#AdminUserView). */
export const AdminUserSchema = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    name: Type.String(),
    role: Type.Enum(['hirer', 'worker', 'admin']),
    emailVerified: Type.Boolean(),
    suspended: Type.Boolean(),
    suspendedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
)

/** `GET /admin/users` query. */
export const SearchUsersQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({ maxLength: 254, description: 'email prefix, case-insensitive; empty for everyone' }),
    ),
    ...PageQuery.properties,
  },
  { additionalProperties: false },
)
export type SearchUsersQuery = Static<typeof SearchUsersQuery>

/** `:id` of the admin user routes. */
export const AdminUserParams = Type.Object({ id: ObjectIdString }, { additionalProperties: false })

/** Body of suspend and reinstate: the admin's reason, kept in the audit log. */
export const ReasonBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: AUDIT_REASON_MAX, pattern: '\\S' }) },
  { additionalProperties: false },
)
export type ReasonBody = Static<typeof ReasonBody>

const problems = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, Problem]))

/** `GET /api/auth/admin/users`. */
export const SearchUsersSchema = {
  summary: 'Find users by email prefix, in email order (admins)',
  tags: ['admin'],
  security: bearer,
  querystring: SearchUsersQuery,
  response: { 200: Page(AdminUserSchema), ...problems(400, 401, 403) },
}

/** `POST /api/auth/admin/users/:id/suspend`. */
export const SuspendUserSchema = {
  summary:
    'Suspend an account: no sign-in or refresh, every token void and every socket closed within seconds (admins)',
  tags: ['admin'],
  security: bearer,
  params: AdminUserParams,
  body: ReasonBody,
  response: { 200: Type.Object({ user: AdminUserSchema }), ...problems(400, 401, 403, 404, 409) },
}

/** `POST /api/auth/admin/users/:id/reinstate`. */
export const ReinstateUserSchema = {
  summary: 'Lift a suspension; the user signs in again (admins)',
  tags: ['admin'],
  security: bearer,
  params: AdminUserParams,
  body: ReasonBody,
  response: { 200: Type.Object({ user: AdminUserSchema }), ...problems(400, 401, 403, 404, 409) },
}
