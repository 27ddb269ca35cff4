/** `POST /register`. */
import type { KelmahApp } from '@kelmah/service-kit'
import { RegisterSchema } from '../schemas/register.js'
import { requestContext, type RouteOptions } from './context.js'

/** Registration route. */
export async function registerRoutes(app: KelmahApp, opts: RouteOptions): Promise<void> {
  app.post('/register', { schema: RegisterSchema }, async (request, reply) => {
    const result = await opts.accounts.register(request.body, requestContext(request))
    return reply.code(201).send(result)
  })
}
