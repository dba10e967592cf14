/*
 * HTTP middleware: server-level (every request), router-level (matched
 * routes) and named (opt-in per route).
 */
import router from '@adonisjs/core/services/router'
import server from '@adonisjs/core/services/server'

server.errorHandler(() => import('#exceptions/handler'))

// Every response, also 404s and errors: security headers.
server.use([() => import('#middleware/security_headers_middleware')])

// No router-wide middleware: the constant public routes (/, /health, /v1/hello)
// run none, the API routes opt in below (each middleware costs a container
// resolution per request).
router.use([])

export const middleware = router.named({
  bodyparser: () => import('@adonisjs/core/bodyparser_middleware'),
  /** Sets up ctx.auth; only on routes that use it, so the public ones stay lean. */
  initializeAuth: () => import('@adonisjs/auth/initialize_auth_middleware'),
  auth: () => import('#middleware/auth_middleware'),
})
