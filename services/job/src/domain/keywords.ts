/**
 * Search keywords: FerretDB 1.24 has no text index, so each job stores a tokenised `keywords`
 * array (a multikey index answers `$all`), built from its title, description and skills.
 */

/** Words too common to search by. */
const STOP_WORDS = new Set(
  'a an and are as at be but by for from has have i in is it of on or our the this to we with you your will who need needs looking'.split(
    ' ',
  ),
)

/** At most this many keywords are kept per job (the description may be long). */
export const MAX_KEYWORDS = 200

/**
 * Split text into lower-case search words: letters/digits runs (Unicode-aware, so `café` and
 * `node.js`' parts count), at least 2 characters, stop words removed, de-duplicated, in order.
 */
export function tokenize(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []
  const out: string[] = []
  const seen = new Set<string>()
  for (const w of words) {
    if (w.length < 2 || STOP_WORDS.has(w) || seen.has(w)) continue
    seen.add(w)
    out.push(w)
  }
  return out
}

/** Normalise a skill: trimmed, lower case, inner whitespace collapsed (`"  Node JS "` → `"node js"`). */
export function normaliseSkill(skill: string): string {
  return skill.trim().toLowerCase().replace(/\s+/g, ' ')
}

/** Normalise a skill list: normalised, empty ones dropped, de-duplicated, order kept. */
export function normaliseSkills(skills: readonly string[]): string[] {
  return [...new Set(skills.map(normaliseSkill).filter((s) => s.length > 0))]
}

/**
 * The keywords of a job: the words of its title, skills and description, in that order (so a
 * long description is what gets cut), at most {@link MAX_KEYWORDS}.
 */
export function jobKeywords(job: {
  title: string
  description: string
  skills: readonly string[]
}): string[] {
  return tokenize([job.title, job.skills.join(' '), job.description].join(' ')).slice(0, MAX_KEYWORDS)
}
