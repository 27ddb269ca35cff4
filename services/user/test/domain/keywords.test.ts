import t from 'tap'
import { keywordsOf, MAX_KEYWORDS, queryWords, stem, tokenise } from '../../src/domain/keywords.js'

t.test('tokenise', async (t) => {
  t.test('lower-cases, splits on punctuation, keeps names like c++, c# and node.js', async (t) => {
    t.same(tokenise('I build APIs with Node.js, C++ and C#.'), ['build', 'apis', 'node.js', 'c++', 'c#'])
  })
  t.test('drops stop words, one-letter words (but c and r) and dots at word ends', async (t) => {
    t.same(tokenise('The R and C programmer... x'), ['r', 'c', 'programmer'])
  })
  t.test('stems plurals lightly', async (t) => {
    t.same(tokenise('Developers designs business status analysis'), [
      'developer',
      'design',
      'business',
      'status',
      'analysis',
    ])
  })
})

t.test('stem', async (t) => {
  t.test('keeps short words and ss/us/is endings', async (t) => {
    t.equal(stem('apis'), 'apis')
    t.equal(stem('process'), 'process')
    t.equal(stem('engineers'), 'engineer')
  })
})

t.test('keywordsOf', async (t) => {
  t.test('takes whole skills and their words, then name, headline and bio words, distinct', async (t) => {
    const k = keywordsOf({
      displayName: 'Ama Owusu',
      headline: 'React Native developer',
      bio: 'I love React.',
      skills: ['react native', 'node.js'],
    })
    t.same(k, ['react native', 'react', 'native', 'node.js', 'ama', 'owusu', 'developer', 'love'])
  })
  t.test(`keeps at most ${MAX_KEYWORDS}, skills first`, async (t) => {
    const bio = Array.from({ length: 500 }, (_, i) => `word${i}`).join(' ')
    const k = keywordsOf({ bio, skills: ['figma'] })
    t.equal(k.length, MAX_KEYWORDS)
    t.equal(k[0], 'figma')
  })
})

t.test('queryWords', async (t) => {
  t.test('tokenises the query the same way, distinct, at most 8 words', async (t) => {
    t.same(queryWords('The React developers react'), ['react', 'developer'])
    t.equal(queryWords('a1 b2 c3 d4 e5 f6 g7 h8 i9 j10').length, 8)
    t.same(queryWords(undefined), [])
  })
})
