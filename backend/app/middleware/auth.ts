/*
 * The API's authentication, as function middleware: AdonisJS runs a function as it is, where a
 * middleware class is resolved through the container on every request (an async make and an
 * instance per request and middleware: the largest share of what the backend allocated per list
 * request beyond the framework-free reference, measured with V8's sampling heap profiler).
 */
import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import auth from '@adonisjs/auth/services/main'
// ctx.auth's type: declared by the package's initialize middleware, which these replace
import type {} from '@adonisjs/auth/initialize_auth_middleware'

/** Sets up ctx.auth for the request (what @adonisjs/auth's initialize middleware does). */
export function initializeAuth(ctx: HttpContext, next: NextFn) {
  ctx.auth = auth.createAuthenticator(ctx)
  return next()
}

/** Requires a valid Bearer token (the JWT guard); 401 otherwise. */
export async function requireAuth(ctx: HttpContext, next: NextFn) {
  await ctx.auth.authenticateUsing(['jwt'])
  return next()
}
