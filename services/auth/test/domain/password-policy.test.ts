import t from 'tap'
import { charClass, passwordProblem, PASSWORD_MIN_LENGTH } from '../../src/domain/password-policy.js'

t.test('passwordProblem', async (t) => {
  t.equal(passwordProblem('Correct-horse-42'), null, 'accepts a long password mixing classes')
  t.equal(passwordProblem('correcthorse42'), null, 'accepts two classes (lower case and digits)')
  t.match(passwordProblem('Ab1!'), /at least 10 characters/, 'refuses a short password and names the minimum')
  t.match(
    passwordProblem('a'.repeat(PASSWORD_MIN_LENGTH - 1) + 'B'),
    null,
    'counts exactly 10 characters as long enough',
  )
  t.match(
    passwordProblem('abcdefghijkl'),
    /two kinds of characters/,
    'refuses a password of only lower-case letters',
  )
  t.match(passwordProblem('12345678901234'), /two kinds of characters/, 'refuses a password of only digits')
  t.match(
    passwordProblem('x'.repeat(257) + '1'),
    /at most 256/,
    'refuses a password longer than 256 characters',
  )
  t.match(
    passwordProblem('Ama@Example.com', { email: 'ama@example.com' }),
    /email/,
    'refuses the email itself, whatever the case',
  )
  t.match(
    passwordProblem('ama.mensah1', { email: 'ama.mensah1@example.com' }),
    /email/,
    "refuses the email's local part",
  )
  t.equal(
    passwordProblem('ama.mensah1!', { email: 'ama.mensah1@example.com' }),
    null,
    'accepts a password that only contains the local part',
  )
  t.equal(passwordProblem('ééééééééééÉ'), null, 'counts Unicode upper and lower case as classes')
})

t.test('charClass sorts characters into lower, upper, digit and other', async (t) => {
  t.same(['a', 'Z', '7', '-', ' '].map(charClass), ['lower', 'upper', 'digit', 'other', 'other'])
})
