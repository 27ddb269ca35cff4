import t from 'tap'
import { CLIENT_FRAME_TYPES } from '../../src/domain/frames.js'
import {
  DEFAULT_FRAME_LIMITS,
  DEFAULT_FRAME_LIMITS_SPEC,
  FRAME_KINDS,
  FrameLimiter,
  kindOf,
  parseFrameLimits,
  TokenBucket,
} from '../../src/domain/limits.js'

t.test('a token bucket lets a burst through, then the refill rate, and says how long to wait', async (t) => {
  const b = new TokenBucket({ burst: 3, perSecond: 2 }, 0)
  t.same([b.take(0), b.take(0), b.take(0)], [0, 0, 0], 'the burst')
  t.equal(b.take(0), 500, 'empty: one token in 500 ms at 2/s')
  t.equal(b.take(250), 250, 'half refilled: 250 ms more')
  t.equal(b.take(500), 0, 'refilled one')
  t.equal(b.take(10_000), 0)
  t.equal(b.take(10_000), 0)
  t.equal(b.take(10_000), 0, 'never more than the burst after a long pause')
  t.ok(b.take(10_000) > 0)
  t.equal(b.take(9_000), 500, 'a clock going back refills nothing')
})

t.test('every client frame type draws from a bucket; refusals from their own', async (t) => {
  const kinds = new Set(CLIENT_FRAME_TYPES.map(kindOf))
  t.same([...kinds].sort(), FRAME_KINDS.filter((k) => k !== 'refused').sort())
  const l = new FrameLimiter({
    ...DEFAULT_FRAME_LIMITS,
    presence: { burst: 1, perSecond: 1 },
    refused: { burst: 2, perSecond: 1 },
  })
  t.equal(l.take('presence', 0), 0)
  t.ok(l.take('presence', 0) > 0)
  t.equal(l.take('typing', 0), 0, 'kinds are independent')
  t.same([l.refuse(0), l.refuse(0), l.refuse(0)], [false, false, true], 'abusive once refusals run out')
})

t.test('WS_FRAME_LIMITS: named kinds override the defaults; bad parts are refused naming them', async (t) => {
  t.same(parseFrameLimits(''), DEFAULT_FRAME_LIMITS)
  t.same(parseFrameLimits(DEFAULT_FRAME_LIMITS_SPEC), DEFAULT_FRAME_LIMITS)
  const l = parseFrameLimits(' typing=5/0.5 , presence=2/1')
  t.same(l.typing, { burst: 5, perSecond: 0.5 })
  t.same(l.presence, { burst: 2, perSecond: 1 })
  t.same(l.chat, DEFAULT_FRAME_LIMITS.chat)
  t.throws(() => parseFrameLimits('typo=1/1'), /"typo" is not one of/)
  t.throws(() => parseFrameLimits('typing=0/1'), /typing: burst/)
  t.throws(() => parseFrameLimits('typing=1/0'), /typing: perSecond/)
  t.throws(() => parseFrameLimits('typing:1/1'), /is not kind=burst\/perSecond/)
})
