/**
 * Attachments: `POST /api/chat/conversations/:id/attachments` (the raw file as the body, its
 * Content-Type from the allow-list, at most `ATTACHMENT_MAX_BYTES`) stores the file in the
 * service's MongoDB with GridFS and sends an `attachment` message; `GET /api/chat/attachments/:id`
 * streams it back to participants of its conversation only (others get 404).
 *
 * GridFS (`mongoose.mongo.GridFSBucket`) was checked against FerretDB 1.24: upload, download,
 * metadata and delete work.
 */
import { Readable } from 'node:stream'
import { authenticated, callerOf, eventContextOf, type RoutePlugin } from '@kelmah/service-kit'
import mongoose from 'mongoose'
import { AttachmentNotFound, AttachmentTooLarge, UnsupportedMedia } from '../errors.js'
import { DownloadSchema, UploadSchema } from '../schemas/chat.js'
import { objectIdOf } from '../services/views.js'
import type { RouteOptions } from './context.js'

/** Content types accepted as attachments: images and common documents. */
export const ALLOWED_TYPES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
] as const

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
}

/**
 * Attachment routes (all authenticated in `onRequest`: a stranger's upload is refused before its
 * body is read).
 */
export const attachmentRoutes: RoutePlugin<RouteOptions> = authenticated((app, opts) => {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(
    [...ALLOWED_TYPES],
    { parseAs: 'buffer', bodyLimit: opts.attachmentMaxBytes },
    (_req, body, done) => done(null, body),
  )
  app.addContentTypeParser('*', (request, _payload, done) =>
    done(new UnsupportedMedia(String(request.headers['content-type'] ?? 'nothing'))),
  )

  app.post(
    '/conversations/:id/attachments',
    {
      schema: UploadSchema,
      bodyLimit: opts.attachmentMaxBytes,
      onRequest: (request, _reply, done) => {
        done(
          Number(request.headers['content-length']) > opts.attachmentMaxBytes
            ? new AttachmentTooLarge(opts.attachmentMaxBytes)
            : undefined,
        )
      },
    },
    async (request, reply) => {
      const me = callerOf(request).sub
      const conv = await opts.chat.conversations.conversationOf(request.params.id, me)
      const body = request.body as Buffer | undefined
      if (!Buffer.isBuffer(body) || body.length === 0) throw new UnsupportedMedia('an empty body')
      const contentType = String(request.headers['content-type']).split(';')[0]!.trim().toLowerCase()
      const id = new mongoose.Types.ObjectId()
      const filename = request.query.filename ?? `attachment.${EXTENSIONS[contentType] ?? 'bin'}`
      await new Promise<void>((resolve, reject) => {
        const upload = opts.attachments.openUploadStreamWithId(id, filename, {
          metadata: { conversationId: conv._id.toHexString(), uploaderId: me, contentType },
        })
        upload.once('finish', () => resolve()).once('error', reject)
        Readable.from([body]).pipe(upload)
      })
      const message = await opts.chat.messages.sendAttachment(
        conv,
        me,
        { id: id.toHexString(), filename, contentType, size: body.length },
        request.query.caption ?? '',
        eventContextOf(request),
      )
      return reply.code(201).send(message)
    },
  )

  app.get('/attachments/:id', { schema: DownloadSchema }, async (request, reply) => {
    const me = callerOf(request).sub
    const _id = objectIdOf(request.params.id)
    const file = _id ? (await opts.attachments.find({ _id }).limit(1).toArray())[0] : undefined
    const meta = file?.metadata as
      { conversationId?: string; contentType?: string; removedAt?: Date } | undefined
    // A file whose message an admin removed is gone for the participants too.
    if (!file || !meta?.conversationId || meta.removedAt) throw new AttachmentNotFound()
    await opts.chat.conversations.conversationOf(meta.conversationId, me).catch(() => {
      throw new AttachmentNotFound()
    })
    return reply
      .header('content-type', meta.contentType ?? 'application/octet-stream')
      .header('content-length', String(file.length))
      .header('content-disposition', `attachment; filename="${file.filename.replace(/["\\\r\n]/g, '_')}"`)
      .header('x-content-type-options', 'nosniff')
      .send(opts.attachments.openDownloadStream(file._id))
  })
  return Promise.resolve()
})
