import env from '#start/env'
import { defineConfig } from '@adonisjs/auth'
import type { InferAuthEvents, InferAuthenticators, Authenticators } from '@adonisjs/auth/types'
import type { HttpContext } from '@adonisjs/core/http'
import { JwtGuard, jwtKey } from '#guards/jwt_guard'

/** Tokens live one hour (contract: exp = iat + 3600). */
export const TOKEN_LIFETIME_SECONDS = 3600

const key = await jwtKey(env.get('JWT_SECRET').release())

const authConfig = defineConfig({
  default: 'jwt',
  guards: {
    jwt: (ctx: HttpContext) =>
      new JwtGuard(ctx, {
        key,
        expiresIn: TOKEN_LIFETIME_SECONDS,
      }),
  },
})

export default authConfig

declare module '@adonisjs/auth/types' {
  export interface Authenticators extends InferAuthenticators<typeof authConfig> {}
}
declare module '@adonisjs/core/types' {
  interface EventsList extends InferAuthEvents<Authenticators> {}
}
