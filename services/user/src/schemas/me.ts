/** Schemas of `GET/PATCH /api/users/me`. */
import Type, { type Static } from 'typebox'
import {
  AvailabilityEnum,
  bearer,
  CompanyInput,
  ExperienceInput,
  HttpUrl,
  LanguageInput,
  LocationInput,
  Nullable,
  OwnProfileSchema,
  RateInput,
  tags,
} from './common.js'

/**
 * The owner's patch: every field optional; a present field replaces the stored value (arrays
 * wholesale), `null` clears a nullable one. Worker-only: skills, hourlyRate, availability,
 * experience. Hirer-only: company.
 */
export const ProfilePatchBody = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 80, pattern: '\\S' })),
    headline: Type.Optional(Nullable(Type.String({ maxLength: 120 }))),
    bio: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
    avatarUrl: Type.Optional(Nullable(HttpUrl)),
    location: Type.Optional(Nullable(LocationInput)),
    timezone: Type.Optional(
      Nullable(Type.String({ minLength: 1, maxLength: 64, description: 'IANA name, e.g. Africa/Accra' })),
    ),
    languages: Type.Optional(Type.Array(LanguageInput, { maxItems: 20 })),
    skills: Type.Optional(
      Type.Array(Type.String({ maxLength: 100 }), {
        maxItems: 100,
        description: 'normalised; at most 50 distinct, each ≤ 50 characters',
      }),
    ),
    hourlyRate: Type.Optional(Nullable(RateInput)),
    availability: Type.Optional(AvailabilityEnum),
    experience: Type.Optional(Type.Array(ExperienceInput, { maxItems: 30 })),
    company: Type.Optional(Nullable(CompanyInput)),
  },
  { additionalProperties: false },
)
export type ProfilePatchBody = Static<typeof ProfilePatchBody>

/** Route schema of `GET /me`. */
export const GetMeSchema = {
  summary: "The caller's own profile (created from the token if the registration event has not arrived yet)",
  tags,
  security: bearer,
  response: { 200: OwnProfileSchema },
}

/** Route schema of `PATCH /me`. */
export const PatchMeSchema = {
  summary: "Change the caller's own profile",
  tags,
  security: bearer,
  body: ProfilePatchBody,
  response: { 200: OwnProfileSchema },
}
