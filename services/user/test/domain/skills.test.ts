import t from 'tap'
import {
  MAX_SKILLS,
  normaliseSkill,
  normaliseSkills,
  parseSkillFilter,
  skillDelta,
  skillProblem,
  STARTER_SKILLS,
} from '../../src/domain/skills.js'

t.test('normaliseSkill', async (t) => {
  t.test('trims, lower-cases and collapses inner whitespace', async (t) => {
    t.equal(normaliseSkill('  React   Native \t'), 'react native')
    t.equal(normaliseSkill('NODE.JS'), 'node.js')
    t.equal(normaliseSkill('Ｒｅａｃｔ'), 'react', 'full-width letters fold with NFKC')
  })
})

t.test('skillProblem', async (t) => {
  t.test('accepts real skill names with their punctuation', async (t) => {
    for (const s of ['c++', 'c#', '.net', 'ci/cd', 'r&d', "women's fashion", 'ui (design)', 'déploiement'])
      t.equal(skillProblem(s), undefined, s)
  })
  t.test('refuses empty, too long, symbol-only or markup names', async (t) => {
    t.match(skillProblem(''), /empty/)
    t.match(skillProblem('x'.repeat(51)), /at most 50/)
    t.ok(skillProblem('++'))
    t.ok(skillProblem('<script>'))
  })
})

t.test('normaliseSkills', async (t) => {
  t.test('de-duplicates after normalising, keeping the first spelling order', async (t) => {
    t.same(normaliseSkills(['React', ' react ', 'Go', 'REACT']), { ok: true, skills: ['react', 'go'] })
  })
  t.test('names the index of the first bad entry', async (t) => {
    t.same(normaliseSkills(['go', ' ']), { ok: false, index: 1, message: 'must not be empty' })
  })
  t.test(`allows at most ${MAX_SKILLS} distinct skills`, async (t) => {
    const many = Array.from({ length: MAX_SKILLS }, (_, i) => `s${i}`)
    t.equal(normaliseSkills([...many, 'S0']).ok, true, 'duplicates do not count')
    t.match(normaliseSkills([...many, 'one more']), { ok: false, index: MAX_SKILLS })
  })
})

t.test('parseSkillFilter', async (t) => {
  t.test('splits a comma list, normalises and drops empty or invalid entries', async (t) => {
    t.same(parseSkillFilter('React, node.js,,REACT, <x>'), ['react', 'node.js'])
    t.same(parseSkillFilter(undefined), [])
  })
})

t.test('skillDelta', async (t) => {
  t.test('lists added and removed skills', async (t) => {
    t.same(skillDelta(['a', 'b'], ['b', 'c']), { added: ['c'], removed: ['a'] })
  })
})

t.test('STARTER_SKILLS', async (t) => {
  t.test('are about sixty distinct, already-normal, valid names', async (t) => {
    t.ok(STARTER_SKILLS.length >= 60)
    t.equal(new Set(STARTER_SKILLS).size, STARTER_SKILLS.length)
    for (const s of STARTER_SKILLS) {
      t.equal(normaliseSkill(s), s)
      t.equal(skillProblem(s), undefined, s)
    }
  })
})
