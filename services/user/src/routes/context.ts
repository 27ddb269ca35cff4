/**
 * What every route plugin receives from `buildApp`.
 */
import type { Portfolio } from '../services/portfolio.js'
import type { Profiles } from '../services/profiles.js'
import type { WorkerSearch } from '../services/search.js'
import type { SkillsCatalogue } from '../services/skills-catalogue.js'

/** Options of the route plugins. */
export interface RouteOptions extends Record<string, unknown> {
  profiles: Profiles
  portfolio: Portfolio
  catalogue: SkillsCatalogue
  search: WorkerSearch
}
