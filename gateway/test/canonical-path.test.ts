import t from 'tap'
import { canonicalPath, within } from '../src/canonical-path.js'
import { ROUTES, ruleMatcher } from '../src/routes.js'

t.test('canonicalPath: one spelling for every equivalent path', async (t) => {
  const same: Array<[string, string]> = [
    ['/', '/'],
    ['/api/auth/login', '/api/auth/login'],
    ['/api/auth//login', '/api/auth/login'],
    ['//api///auth/login//', '/api/auth/login'],
    ['/api/auth/login/', '/api/auth/login'],
    ['/api/auth/./login', '/api/auth/login'],
    ['/api/auth/login/.', '/api/auth/login'],
    ['/api/auth/x/../login', '/api/auth/login'],
    ['/api/auth/x/y/../../login', '/api/auth/login'],
    ['/api/jobs/../auth/login', '/api/auth/login'],
    ['/api/%61uth/login', '/api/auth/login'],
    ['/api/auth/%6C%6f%67%69%6E', '/api/auth/login'],
    ['/api/auth/password%2Dreset', '/api/auth/password-reset'],
    ['/api/auth/.well-known/jwks.json', '/api/auth/.well-known/jwks.json'],
    ['/api/auth/%2Ewell-known/jwks%2ejson', '/api/auth/.well-known/jwks.json'],
    ['/api/users/caf%c3%a9', '/api/users/caf%C3%A9'],
    ['/api/users/a%3fb', '/api/users/a%3Fb'],
    ["/api/users/a:b@c!$&'()*+,=", "/api/users/a:b@c!$&'()*+,="],
    ['/api/auth/...', '/api/auth/...'],
  ]
  for (const [raw, canonical] of same) {
    t.equal(canonicalPath(raw), canonical, raw)
    t.equal(canonicalPath(canonical), canonical, `${canonical} is a fixed point`)
  }
})

t.test('canonicalPath: refuses what routers disagree on', async (t) => {
  const refused = [
    '',
    'api/auth/login',
    '*',
    'http://evil.example/api/auth/login',
    '/api/auth%2Flogin',
    '/api/auth%2flogin',
    '/api/auth%5Clogin',
    '/api/auth\\login',
    '/api/auth/login;x',
    '/api/auth/login;jsessionid=1',
    '/api/auth/login#x',
    '/api/auth/login%00',
    '/api/auth/login%0a',
    '/api/auth/login%7F',
    '/api/%2561uth/login',
    '/api/auth/%2e/login',
    '/api/auth/%2E%2E/login',
    '/api/auth/.%2e/login',
    '/api/auth/%c0%ae%c0%ae/login',
    '/api/auth/login%',
    '/api/auth/login%6',
    '/api/auth/login%zz',
    '/../api/auth/login',
    '/api/../../auth/login',
    '/api/auth/login x',
    '/api/auth/"login"',
    '/api/auth/l\u00f6gin',
    '/api/auth/<login>',
  ]
  for (const raw of refused) {
    t.throws(
      () => canonicalPath(raw),
      { code: 'GATEWAY_ERR_AMBIGUOUS_PATH', statusCode: 400 },
      JSON.stringify(raw),
    )
  }
})

t.test('within: a prefix holds itself and what is below it', async (t) => {
  t.ok(within('/api/auth', '/api/auth'))
  t.ok(within('/api/auth/login', '/api/auth'))
  t.notOk(within('/api/authx', '/api/auth'))
  t.notOk(within('/api', '/api/auth'))
})

t.test('ruleMatcher: every rule of the route table is canonical; others are refused at build', async (t) => {
  for (const row of ROUTES) {
    t.doesNotThrow(() => ruleMatcher(row.publicPaths ?? []), `${row.service} public paths`)
    t.doesNotThrow(() => ruleMatcher(row.sensitivePaths ?? []), `${row.service} sensitive paths`)
  }
  t.throws(() => ruleMatcher([{ method: 'POST', path: '/api/auth/login/' }]), /not a canonical path/)
  t.throws(() => ruleMatcher([{ method: 'POST', path: '/api/auth/%6Cogin' }]), /not a canonical path/)
  const match = ruleMatcher([{ method: 'post', path: '/api/auth/login' }])
  t.ok(match('POST', '/api/auth/login'))
  t.notOk(match('GET', '/api/auth/login'))
  t.notOk(match('POST', '/api/auth/LOGIN'), 'case-sensitive, like the services')
})
