/** The models of the review service, by name (one place; `app.ts` builds them once). */
import type { Connection, Model } from 'mongoose'
import {
  factModels,
  type ContractFactsDoc,
  type DisplayNameDoc,
  type EndingDoc,
  type PaymentDoc,
  type WindowDoc,
} from './facts.js'
import { ratingModel, type RatingDoc } from './rating.js'
import { replyModel, type ReplyDoc } from './reply.js'
import { reportModel, type ReportDoc } from './report.js'
import { revealModel, type RevealDoc } from './reveal.js'
import { reviewModel, type ReviewDoc } from './review.js'

/** The models, by name. */
export interface ReviewModels {
  ContractFacts: Model<ContractFactsDoc>
  Ending: Model<EndingDoc>
  Payment: Model<PaymentDoc>
  Window: Model<WindowDoc>
  DisplayName: Model<DisplayNameDoc>
  Review: Model<ReviewDoc>
  Reveal: Model<RevealDoc>
  Reply: Model<ReplyDoc>
  Report: Model<ReportDoc>
  Rating: Model<RatingDoc>
}

/** Create (once per connection) and return the models. */
export function reviewModels(conn: Connection): ReviewModels {
  return {
    ...factModels(conn),
    Review: reviewModel(conn),
    Reveal: revealModel(conn),
    Reply: replyModel(conn),
    Report: reportModel(conn),
    Rating: ratingModel(conn),
  }
}

/** Build every model's indexes (the unique ones are commit points: they must exist before traffic). */
export async function initModels(models: ReviewModels): Promise<void> {
  await Promise.all(Object.values(models).map((m: Model<unknown>) => m.init()))
}

export type { Moderation } from './review.js'
export type { ReportStatus } from './report.js'
export type {
  ContractFactsDoc,
  DisplayNameDoc,
  EndingDoc,
  PaymentDoc,
  RatingDoc,
  ReplyDoc,
  ReportDoc,
  RevealDoc,
  ReviewDoc,
  WindowDoc,
}
