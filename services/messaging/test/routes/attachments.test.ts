import t from 'tap'
import { conversation, newUser, online, startCluster } from '../fixtures/app.js'

t.test('attachments (GridFS)', async (t) => {
  const c = await startCluster(t, { env: { ATTACHMENT_MAX_BYTES: String(512 * 1024) } })
  const app = c.app
  const upload = (id: string, token: string, body: Buffer, type: string, query = '') =>
    app.inject({
      method: 'POST',
      url: `/api/chat/conversations/${id}/attachments${query}`,
      payload: body,
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
    })
  const download = (id: string, token: string) =>
    app.inject({
      method: 'GET',
      url: `/api/chat/attachments/${id}`,
      headers: { authorization: `Bearer ${token}` },
    })

  t.test(
    'POST /api/chat/conversations/:id/attachments stores the file and sends an attachment message; GET serves it to participants only',
    async (t) => {
      const [a, b, stranger] = [await newUser(c), await newUser(c), await newUser(c)]
      const id = await conversation(app, a, b)
      const sb = await online(t, c.instances[0]!, b)
      const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(300 * 1024, 7)])
      const res = await upload(id, a.token, png, 'image/png', '?filename=roof.png&caption=the%20roof')
      t.equal(res.statusCode, 201)
      const msg = res.json()
      t.match(msg, {
        type: 'attachment',
        content: 'the roof',
        senderId: a.id,
        attachment: { filename: 'roof.png', contentType: 'image/png', size: png.length },
      })
      t.equal(((await sb.next('new_message')).message as { id: string }).id, msg.id)
      const got = await download(msg.attachment.id, b.token)
      t.equal(got.statusCode, 200)
      t.equal(got.headers['content-type'], 'image/png')
      t.ok(got.rawPayload.equals(png), 'the same bytes come back')
      t.equal((await download(msg.attachment.id, stranger.token)).statusCode, 404)
      t.equal((await upload(id, stranger.token, png, 'image/png')).statusCode, 404)
    },
  )

  t.test('refuses types off the allow-list (415) and files over the limit (413)', async (t) => {
    const [a, b] = [await newUser(c), await newUser(c)]
    const id = await conversation(app, a, b)
    const exe = await upload(id, a.token, Buffer.from('MZ...'), 'application/x-msdownload')
    t.equal(exe.statusCode, 415)
    t.equal(exe.json().code, 'MSG_ERR_UNSUPPORTED_MEDIA')
    const big = await upload(id, a.token, Buffer.alloc(600 * 1024), 'application/pdf')
    t.equal(big.statusCode, 413)
    t.equal((await upload(id, a.token, Buffer.from('plain notes'), 'text/plain')).statusCode, 201)
  })
})
