import { Exception } from '@adonisjs/core/exceptions'

/**
 * An expected API failure with the contract's status code, rendered by the
 * exception handler as `{"errors":[{message, field, rule}]}`.
 */
export class ApiException extends Exception {
  field?: string
  rule?: string

  constructor(status: number, message: string, options: { field?: string; rule?: string } = {}) {
    super(message, { status })
    this.field = options.field
    this.rule = options.rule
  }

  /** 404 for missing objects and for other tenants' objects alike. */
  static notFound(message = 'Not found', field?: string) {
    return new ApiException(404, message, { field, rule: field ? 'exists' : undefined })
  }

  static conflict(message: string, field?: string, rule?: string) {
    return new ApiException(409, message, { field, rule })
  }
}
