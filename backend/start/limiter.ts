/*
 * HTTP rate limiters (stored in Redis, so the limit holds across replicas).
 */
import limiter from '@adonisjs/limiter/services/main'

/** Guest sign-in: 10 per minute per client address. */
export const guestSigninThrottle = limiter.define('guest_signin', (ctx) => {
  return limiter.allowRequests(10).every('1 minute').usingKey(`ip_${ctx.request.ip()}`)
})
