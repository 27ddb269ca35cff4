/**
 * Search keywords. FerretDB has no text index, so each profile keeps a `keywords` array —
 * lower-case words from its display name, headline, bio and skills, stop words removed, lightly
 * stemmed — under a multikey index; a query's words must all be present (`$all`). The same
 * {@link tokenise} runs on profiles and on queries, so both sides agree. Pure, unit-tested.
 */
import { normaliseSkill } from './skills.js'

/** Most keywords kept per profile (bounds the index entries of one document). */
export const MAX_KEYWORDS = 300
/** Most words taken from a query. */
export const MAX_QUERY_WORDS = 8

/** English stop words: too common to narrow a search. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be but by for from has have i im in into is it its me my of on or our so ' +
    'than that the their them then there these they this to was we were will with you your yours ' +
    'am been being do does did can could should would very just also about over more most other ' +
    'some such no not only own same too s t'
  ).split(' '),
)

/**
 * Light stemming: a plural `s` is dropped from words longer than four characters (`developers` →
 * `developer`), but not from `ss`, `us`, `is` endings (`business`, `status`, `analysis`), nor from
 * names with digits or punctuation (`node.js`, `k8s`). No
 * full stemmer: predictable beats clever for a marketplace search box.
 */
export function stem(word: string): string {
  if (word.length > 4 && /^\p{L}+$/u.test(word) && word.endsWith('s') && !/(ss|us|is)$/.test(word))
    return word.slice(0, -1)
  return word
}

/**
 * Words of `text`: NFKC, lower case, split on anything but letters, digits and the characters
 * of names like `c++`, `c#`, `node.js`; leading and trailing dots dropped (sentence ends), stop
 * words and one-letter words except `c` and `r` dropped, then {@link stem}med.
 */
export function tokenise(text: string): string[] {
  const out: string[] = []
  for (const raw of text
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}+#.]+/u)) {
    const word = raw.replace(/^\.+|\.+$/g, '')
    if (!word || STOP_WORDS.has(word)) continue
    if (word.length === 1 && word !== 'c' && word !== 'r') continue
    if (!/[\p{L}\p{N}]/u.test(word)) continue
    out.push(stem(word))
  }
  return out
}

/** The parts of a profile that feed its keywords. */
export interface KeywordSource {
  displayName?: string | null
  headline?: string | null
  bio?: string | null
  skills?: readonly string[] | null
}

/**
 * The keyword set of a profile: each skill whole (so `react native` matches as a skill) and its
 * words, then the words of display name, headline and bio; distinct, at most {@link MAX_KEYWORDS}
 * (skills and headline first, so a long bio cannot push them out).
 */
export function keywordsOf(p: KeywordSource): string[] {
  const out = new Set<string>()
  for (const skill of p.skills ?? []) {
    const s = normaliseSkill(skill)
    if (s) out.add(s)
    for (const w of tokenise(s)) out.add(w)
  }
  for (const text of [p.displayName, p.headline, p.bio]) {
    for (const w of tokenise(text ?? '')) out.add(w)
  }
  return [...out].slice(0, MAX_KEYWORDS)
}

/** The words of a search query (distinct, at most {@link MAX_QUERY_WORDS}, in order). */
export function queryWords(q: string | undefined): string[] {
  return [...new Set(tokenise(q ?? ''))].slice(0, MAX_QUERY_WORDS)
}
