/** `POST /register`. Public. */
import type { RoutePlugin } from '@kelmah/service-kit'
import { RegisterSchema } from '../schemas/register.js'
import { requestContext, type RouteOptions } from './context.js'

/** Registration route. */
export const registerRoutes: RoutePlugin<RouteOptions> = (app, opts) => {
  app.post('/register', { schema: RegisterSchema }, async (request, reply) => {
    const result = await opts.accounts.register(request.body, requestContext(request))
    return reply.code(201).send(result)
  })
  return Promise.resolve()
}
