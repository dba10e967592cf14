/*
 * HTTP middleware: server-level (every request), router-level (matched
 * routes) and named (opt-in per route).
 */
import router from '@adonisjs/core/services/router'
import server from '@adonisjs/core/services/server'

server.errorHandler(() => import('#exceptions/handler'))

server.use([() => import('@adonisjs/core/bodyparser_middleware')])

router.use([])

export const middleware = router.named({})
