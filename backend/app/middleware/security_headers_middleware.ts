import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/**
 * Headers every response carries, errors included (set before the route runs):
 * no MIME sniffing anywhere, and nothing under /v1 (tokens, tenant data) is
 * stored by a browser or an intermediary cache.
 */
export default class SecurityHeadersMiddleware {
  handle({ request, response }: HttpContext, next: NextFn) {
    response.header('X-Content-Type-Options', 'nosniff')
    if (request.url().startsWith('/v1/')) {
      response.header('Cache-Control', 'no-store')
    }
    return next()
  }
}
