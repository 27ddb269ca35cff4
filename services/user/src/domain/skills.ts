/**
 * Skill names: one normal form for profiles, search filters and the shared catalogue, so
 * "React", " react " and "REACT" are one skill. Pure functions, unit-tested.
 */

/** Most skills a profile may list (a marketplace profile with more reads as keyword stuffing). */
export const MAX_SKILLS = 50
/** Longest skill name, characters (after normalisation). */
export const MAX_SKILL_LENGTH = 50

/** Letters, digits and the punctuation real skill names use (`c++`, `c#`, `node.js`, `ci/cd`, `r&d`). */
const SKILL_CHARS = /^[\p{L}\p{N}+#./&'()_ -]+$/u
const HAS_ALNUM = /[\p{L}\p{N}]/u

/**
 * The normal form of a skill name: Unicode NFKC, trimmed, lower case, inner whitespace collapsed
 * to one space.
 */
export function normaliseSkill(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase().replace(/\s+/gu, ' ')
}

/** Why one skill name is refused, or undefined when it is fine (expects a normalised name). */
export function skillProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty'
  if (name.length > MAX_SKILL_LENGTH) return `must be at most ${MAX_SKILL_LENGTH} characters`
  if (!SKILL_CHARS.test(name) || !HAS_ALNUM.test(name)) {
    return "may contain letters, digits, spaces and + # . / & ' ( ) _ - only, with at least one letter or digit"
  }
  return undefined
}

/** Result of {@link normaliseSkills}: the cleaned list, or the first problem with its index. */
export type NormalisedSkills = { ok: true; skills: string[] } | { ok: false; index: number; message: string }

/**
 * Normalise a profile's skill list: each name normalised and checked, duplicates (after
 * normalisation) dropped keeping the first, at most {@link MAX_SKILLS} distinct names.
 */
export function normaliseSkills(raw: readonly string[]): NormalisedSkills {
  const seen = new Set<string>()
  const skills: string[] = []
  for (const [index, value] of raw.entries()) {
    const name = normaliseSkill(value)
    const problem = skillProblem(name)
    if (problem) return { ok: false, index, message: problem }
    if (seen.has(name)) continue
    seen.add(name)
    skills.push(name)
  }
  if (skills.length > MAX_SKILLS) {
    return { ok: false, index: MAX_SKILLS, message: `at most ${MAX_SKILLS} distinct skills` }
  }
  return { ok: true, skills }
}

/**
 * Parse a comma-separated filter (`?skills=React, node.js`) into distinct normal names; empty
 * and invalid entries are dropped (a filter never errors on a stray comma).
 */
export function parseSkillFilter(raw: string | undefined): string[] {
  if (!raw) return []
  const out = new Set<string>()
  for (const part of raw.split(',')) {
    const name = normaliseSkill(part)
    if (!skillProblem(name)) out.add(name)
  }
  return [...out].slice(0, MAX_SKILLS)
}

/** Which skills a change added and removed (for the catalogue's usage counts). */
export function skillDelta(
  before: readonly string[],
  after: readonly string[],
): { added: string[]; removed: string[] } {
  const b = new Set(before)
  const a = new Set(after)
  return { added: [...a].filter((s) => !b.has(s)), removed: [...b].filter((s) => !a.has(s)) }
}

/**
 * Skills seeded into the catalogue at start-up (idempotently), so autocomplete is useful before
 * users have typed anything. Already in normal form.
 */
export const STARTER_SKILLS: readonly string[] = [
  'react',
  'node.js',
  'typescript',
  'javascript',
  'python',
  'django',
  'flask',
  'fastapi',
  'java',
  'spring boot',
  'kotlin',
  'swift',
  'ios development',
  'android development',
  'flutter',
  'react native',
  'go',
  'rust',
  'c++',
  'c#',
  '.net',
  'php',
  'laravel',
  'wordpress',
  'ruby on rails',
  'vue.js',
  'angular',
  'next.js',
  'html',
  'css',
  'tailwind css',
  'graphql',
  'rest api',
  'sql',
  'postgresql',
  'mysql',
  'mongodb',
  'redis',
  'docker',
  'kubernetes',
  'aws',
  'google cloud',
  'azure',
  'devops',
  'ci/cd',
  'terraform',
  'linux',
  'machine learning',
  'data analysis',
  'data science',
  'excel',
  'power bi',
  'figma',
  'ui design',
  'ux design',
  'graphic design',
  'adobe photoshop',
  'adobe illustrator',
  'logo design',
  'video editing',
  'copywriting',
  'content writing',
  'seo',
  'social media marketing',
  'translation',
  'project management',
  'customer support',
  'accounting',
  'plumbing',
  'electrical work',
  'carpentry',
]
