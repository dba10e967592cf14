/*
 * Every error leaves as JSON `{"errors":[{message, field?, rule?}]}` with the
 * contract's status code: never an HTML page, never a stack trace, and never
 * a 500 for bad input.
 */
import { errors as vineErrors } from '@vinejs/vine'
import { errors as authErrors } from '@adonisjs/auth'
import { errors as limiterErrors } from '@adonisjs/limiter'
import { errors as lucidErrors } from '@adonisjs/lucid'
import { errors as httpErrors } from '@adonisjs/core/http'
import { ExceptionHandler } from '@adonisjs/core/http'
import type { HttpContext } from '@adonisjs/core/http'
import { ApiException } from '#exceptions/api_exception'

export type ApiError = { message: string; field?: string; rule?: string }

/** PostgreSQL unique constraint → the request field it guards. */
const UNIQUE_FIELDS: Record<string, string> = {
  users_username_unique: 'username',
  projects_organization_id_name_unique: 'name',
}

const PG_UNIQUE_VIOLATION = '23505'
const PG_FOREIGN_KEY_VIOLATION = '23503'

/**
 * PostgreSQL foreign key → what is gone when a write references a row deleted
 * under it (e.g. a project created while its organization is being deleted):
 * a 404 like any other missing resource, not a 500.
 */
const MISSING_PARENT: Record<string, string> = {
  projects_organization_id_foreign: 'Organization not found',
  users_organization_id_foreign: 'Organization not found',
}
/** SQLSTATE class 22 (data exception): a value PostgreSQL cannot take is bad input, not a bug. */
const PG_DATA_EXCEPTION = /^22/

/** PostgreSQL or Redis unreachable: the request may succeed later, it is not a bug. */
function isDependencyDown(error: unknown) {
  const { name, code } = (error ?? {}) as { name?: string; code?: string }
  return (
    name === 'MaxRetriesPerRequestError' ||
    name === 'KnexTimeoutError' ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', '57P01', '57P03'].includes(
      code ?? ''
    )
  )
}

type Rendered = { status: number; errors: ApiError[]; headers?: Record<string, string> }

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown })?.status
  return typeof status === 'number' && status >= 400 && status < 600 ? status : undefined
}

function render(error: unknown): Rendered {
  if (error instanceof ApiException) {
    const { message, field, rule } = error
    return { status: error.status, errors: [{ message, field, rule }] }
  }
  if (error instanceof vineErrors.E_VALIDATION_ERROR) {
    const messages = error.messages as Array<{ message: string; field: string; rule: string }>
    return {
      status: 422,
      errors: messages.map(({ message, field, rule }) => ({ message, field, rule })),
    }
  }
  if (error instanceof authErrors.E_UNAUTHORIZED_ACCESS) {
    return {
      status: 401,
      errors: [{ message: 'Unauthorized: a valid Bearer token is required' }],
      headers: { 'WWW-Authenticate': 'Bearer' },
    }
  }
  if (error instanceof limiterErrors.E_TOO_MANY_REQUESTS) {
    const retryAfter = error.response.availableIn
    return {
      status: 429,
      errors: [{ message: `Too many requests: retry after ${retryAfter} seconds` }],
      headers: { 'Retry-After': String(retryAfter) },
    }
  }
  if (
    error instanceof lucidErrors.E_ROW_NOT_FOUND ||
    error instanceof httpErrors.E_ROUTE_NOT_FOUND
  ) {
    return { status: 404, errors: [{ message: 'Not found' }] }
  }
  if ((error as { code?: string })?.code === PG_UNIQUE_VIOLATION) {
    const field = UNIQUE_FIELDS[(error as { constraint?: string }).constraint ?? '']
    return {
      status: 409,
      errors: [{ message: `${field ?? 'value'} is already taken`, field, rule: 'unique' }],
    }
  }

  if ((error as { code?: string })?.code === PG_FOREIGN_KEY_VIOLATION) {
    const message = MISSING_PARENT[(error as { constraint?: string }).constraint ?? '']
    return { status: 404, errors: [{ message: message ?? 'Not found' }] }
  }

  const sqlState = (error as { code?: unknown })?.code
  if (typeof sqlState === 'string' && PG_DATA_EXCEPTION.test(sqlState) && sqlState.length === 5) {
    return { status: 422, errors: [{ message: 'A value in the request cannot be stored' }] }
  }

  if (isDependencyDown(error)) {
    return {
      status: 503,
      errors: [{ message: 'Service unavailable: a backing service is down, retry later' }],
      headers: { 'Retry-After': '5' },
    }
  }

  const status = statusOf(error)
  // Body parser: unparsable JSON (400) or a JSON body that is not an object/array.
  if (status === 400 || (error as Error)?.message?.startsWith('Invalid JSON')) {
    return { status: 400, errors: [{ message: 'Malformed JSON in request body' }] }
  }
  if (status && status < 500) {
    return { status, errors: [{ message: (error as Error).message }] }
  }
  if (status === 503) {
    return { status, errors: [{ message: (error as Error).message }] }
  }
  return { status: 500, errors: [{ message: 'Internal server error' }] }
}

export default class HttpExceptionHandler extends ExceptionHandler {
  protected debug = false

  /** Unexpected failures are logged with their stack; expected ones (4xx) are not. */
  protected ignoreStatuses = [400, 401, 404, 409, 413, 422, 429]

  async handle(error: unknown, ctx: HttpContext) {
    const { status, errors, headers } = render(error)
    for (const [name, value] of Object.entries(headers ?? {})) {
      ctx.response.header(name, value)
    }
    ctx.response.status(status).send({ errors })
  }

  async report(error: unknown, ctx: HttpContext) {
    const { status } = render(error)
    if (status === 503) {
      ctx.logger.warn(
        { err: { name: (error as Error).name, message: (error as Error).message } },
        'dependency unavailable'
      )
    } else if (status >= 500) {
      ctx.logger.error({ err: error }, 'request failed')
    }
  }
}
