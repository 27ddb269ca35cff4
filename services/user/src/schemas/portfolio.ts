/** Schemas of `/api/users/me/portfolio`. */
import { Id, Page } from '@kelmah/contracts'
import Type from 'typebox'
import { bearer, HttpUrl, PortfolioItemSchema, tags } from './common.js'

const fields = {
  title: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
  description: Type.String({ maxLength: 2000 }),
  links: Type.Array(HttpUrl, { maxItems: 10 }),
  imageUrls: Type.Array(HttpUrl, { maxItems: 10 }),
}

/** A new item. */
export const CreatePortfolioItemBody = Type.Object(
  {
    title: fields.title,
    description: Type.Optional(fields.description),
    links: Type.Optional(fields.links),
    imageUrls: Type.Optional(fields.imageUrls),
  },
  { additionalProperties: false },
)
/** Fields to change of an item. */
export const UpdatePortfolioItemBody = Type.Object(
  {
    title: Type.Optional(fields.title),
    description: Type.Optional(fields.description),
    links: Type.Optional(fields.links),
    imageUrls: Type.Optional(fields.imageUrls),
  },
  { additionalProperties: false, minProperties: 1 },
)
/** `:itemId`. */
export const ItemParams = Type.Object({ itemId: Id })

/** Route schema of `GET /me/portfolio`. */
export const ListPortfolioSchema = {
  summary: "The caller's portfolio, oldest first (at most 50 items, one page)",
  tags,
  security: bearer,
  response: { 200: Page(PortfolioItemSchema) },
}
/** Route schema of `POST /me/portfolio`. */
export const CreatePortfolioItemSchema = {
  summary: 'Add a portfolio item (workers)',
  tags,
  security: bearer,
  body: CreatePortfolioItemBody,
  response: { 201: PortfolioItemSchema },
}
/** Route schema of `PATCH /me/portfolio/:itemId`. */
export const UpdatePortfolioItemSchema = {
  summary: 'Change a portfolio item of yours',
  tags,
  security: bearer,
  params: ItemParams,
  body: UpdatePortfolioItemBody,
  response: { 200: PortfolioItemSchema },
}
/** Route schema of `DELETE /me/portfolio/:itemId`. */
export const DeletePortfolioItemSchema = {
  summary: 'Delete a portfolio item of yours',
  tags,
  security: bearer,
  params: ItemParams,
  response: { 204: Type.Null() },
}
