import t from 'tap'
import { parseFrame } from '../../src/domain/frames.js'

const parse = (raw: string) => parseFrame(raw, 4096)

t.test('parseFrame accepts the marketplace chat frames exactly as written', async (t) => {
  t.same(parse('{"type":"chat","recipientId":"u2","message":"Hello world"}'), {
    frame: { type: 'chat', recipientId: 'u2', message: 'Hello world' },
  })
  t.same(
    parse('{"type":"mark_read","messageIds":["a","b","a"]}'),
    { frame: { type: 'mark_read', messageIds: ['a', 'b'] } },
    'duplicates dropped',
  )
  t.same(parse('{"type":"typing_start","recipientId":"u2"}'), {
    frame: { type: 'typing_start', recipientId: 'u2' },
  })
  t.same(parse('{"type":"typing_stop","conversationId":"c1"}'), {
    frame: { type: 'typing_stop', conversationId: 'c1' },
  })
  t.same(parse('{"type":"send_message","conversationId":"c1","content":"x","tempId":"t1"}'), {
    frame: { type: 'send_message', conversationId: 'c1', content: 'x', clientId: 't1' },
  })
  t.same(parse('{"type":"call_invite","conversationId":"c1","media":"video"}'), {
    frame: { type: 'call_invite', conversationId: 'c1', media: 'video' },
  })
})

t.test('parseFrame refuses bad frames with a reason, never throwing', async (t) => {
  t.match(parse('nope'), { error: { reason: 'invalid_json' } })
  t.match(parse('null'), { error: { reason: 'invalid_json' } })
  t.match(parse('{"type":"nope","clientId":"c"}'), { error: { reason: 'unknown_type', clientId: 'c' } })
  t.match(parse('{"message":"no type"}'), { error: { reason: 'unknown_type' } })
  t.match(parse('{"type":"chat","recipientId":"u"}'), { error: { reason: 'invalid_frame', ref: 'chat' } })
  t.match(parse('{"type":"chat","recipientId":"","message":"x"}'), { error: { reason: 'invalid_frame' } })
  t.match(parse('{"type":"mark_read","messageIds":[]}'), { error: { reason: 'invalid_frame' } })
  t.match(parse('{"type":"mark_read","messageIds":[1]}'), { error: { reason: 'invalid_frame' } })
  t.match(parse('{"type":"typing_start"}'), { error: { reason: 'invalid_frame' } })
  t.match(parse('{"type":"call_invite","conversationId":"c","media":"hologram"}'), {
    error: { reason: 'invalid_frame' },
  })
  t.match(parse('{"type":"offer","callId":"k"}'), { error: { reason: 'invalid_frame' } })
  t.match(parseFrame(`{"type":"chat","recipientId":"u","message":"${'x'.repeat(5000)}"}`, 4096), {
    error: { reason: 'frame_too_large' },
  })
})
