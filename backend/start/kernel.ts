/*
 * HTTP middleware: server-level (every request), router-level (matched
 * routes) and named (opt-in per route).
 */
import router from '@adonisjs/core/services/router'
import server from '@adonisjs/core/services/server'

server.errorHandler(() => import('#exceptions/handler'))

// No server-wide middleware: the headers every response carries are set on the raw response by
// the node:http server (app/services/node_server.ts), without a container resolution per request.
server.use([])

// No router-wide middleware: the constant public routes (/, /health, /v1/hello)
// run none, the API routes opt in below (each middleware costs a container
// resolution per request).
router.use([])

// Named: the body parser, on the routes that read a body (a GET skips its container resolution).
// Authentication is function middleware (app/middleware/auth.ts), used by start/routes.ts.
export const middleware = router.named({
  bodyparser: () => import('@adonisjs/core/bodyparser_middleware'),
})
