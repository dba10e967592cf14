/*
 * Bearer-token guard: issues and verifies HS256 JWTs (jose). The token only
 * identifies the user; authorization always re-reads the user row, so a token
 * of a deleted user is worthless and `org_id` is informational.
 */
import { errors, symbols } from '@adonisjs/auth'
import type { AuthClientResponse, GuardContract } from '@adonisjs/auth/types'
import type { HttpContext } from '@adonisjs/core/http'
import { webcrypto } from 'node:crypto'
import { SignJWT, jwtVerify } from 'jose'
import db from '@adonisjs/lucid/services/db'
import User from '#models/user'
import { attributeColumns, statement, type Attributes } from '#services/rows'

/**
 * The authenticated user: its row under the model's attribute names. Every authenticated
 * request reads it, so it is not hydrated into a model (controllers only read it).
 */
export type AuthUser = Attributes<User>

const userById = statement<AuthUser, [number]>((id) =>
  db.from(User.table).select(attributeColumns(User)).where('id', id).limit(1)
)

export type JwtGuardOptions = {
  /** The HS256 key, imported once per process with `jwtKey()` (guards are made per request) */
  key: webcrypto.CryptoKey
  /** Token lifetime in seconds */
  expiresIn: number
}

export type IssuedToken = {
  token: string
  tokenType: 'Bearer'
  expiresIn: number
}

const ALGORITHM = 'HS256'
/**
 * Who issues the tokens and for whom: a token minted
 * for something else with the same key is refused.
 */
export const TOKEN_ISSUER = 'agent-ready-k8s/backend'
export const TOKEN_AUDIENCE = 'agent-ready-k8s/api'
/**
 * `sub` is the user id as a canonical decimal string: no
 * sign, exponent, fraction, spaces or leading zeros.
 */
const CANONICAL_ID = /^[1-9][0-9]{0,9}$/
const MAX_DB_ID = 2_147_483_647

/** Importing the key once saves a WebCrypto import on every sign and verify. */
export function jwtKey(secret: string): Promise<webcrypto.CryptoKey> {
  return webcrypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify']
  )
}

export class JwtGuard implements GuardContract<AuthUser> {
  declare [symbols.GUARD_KNOWN_EVENTS]: {}

  readonly driverName = 'jwt' as const
  authenticationAttempted = false
  isAuthenticated = false
  user?: AuthUser

  #ctx: HttpContext
  #key: webcrypto.CryptoKey
  #expiresIn: number

  constructor(ctx: HttpContext, options: JwtGuardOptions) {
    this.#ctx = ctx
    this.#key = options.key
    this.#expiresIn = options.expiresIn
  }

  /** Signs a token for the user: sub, org_id, iss, aud, iat, exp = iat + lifetime. */
  async generate(user: AuthUser): Promise<IssuedToken> {
    const issuedAt = Math.floor(Date.now() / 1000)
    const token = await new SignJWT({ org_id: user.organizationId ?? null })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(String(user.id))
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.#expiresIn)
      .sign(this.#key)
    return { token, tokenType: 'Bearer', expiresIn: this.#expiresIn }
  }

  async authenticate(): Promise<AuthUser> {
    if (this.authenticationAttempted) {
      return this.getUserOrFail()
    }
    this.authenticationAttempted = true

    const token = this.#bearerToken()
    const userId = await this.#verifiedUserId(token)
    const [user] = await userById(userId)
    if (!user) {
      throw this.#unauthorized()
    }

    this.user = user
    this.isAuthenticated = true
    return user
  }

  async check(): Promise<boolean> {
    try {
      await this.authenticate()
      return true
    } catch (error) {
      if (error instanceof errors.E_UNAUTHORIZED_ACCESS) {
        return false
      }
      throw error
    }
  }

  getUserOrFail(): AuthUser {
    if (!this.user) {
      throw this.#unauthorized()
    }
    return this.user
  }

  /** Used by Japa's `loginAs`: the request carries a real signed token. */
  async authenticateAsClient(user: AuthUser): Promise<AuthClientResponse> {
    const { token } = await this.generate(user)
    return { headers: { authorization: `Bearer ${token}` } }
  }

  #bearerToken(): string {
    const header = this.#ctx.request.header('authorization', '')!
    const [scheme, token, ...rest] = header.trim().split(/\s+/)
    if (scheme?.toLowerCase() !== 'bearer' || !token || rest.length > 0) {
      throw this.#unauthorized()
    }
    return token
  }

  /**
   * Only HS256 with our key, our issuer and audience is accepted; `none`, other
   * algorithms, bad signatures, expired tokens and non-canonical subjects fail.
   */
  async #verifiedUserId(token: string): Promise<number> {
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        algorithms: [ALGORITHM],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        requiredClaims: ['sub', 'iat', 'exp', 'iss', 'aud'],
      })
      const sub = payload.sub as unknown
      const id = typeof sub === 'string' && CANONICAL_ID.test(sub) ? Number(sub) : 0
      if (id < 1 || id > MAX_DB_ID) {
        throw new Error('invalid subject')
      }
      return id
    } catch {
      throw this.#unauthorized()
    }
  }

  #unauthorized() {
    return new errors.E_UNAUTHORIZED_ACCESS('Unauthorized access', {
      guardDriverName: this.driverName,
    })
  }
}
