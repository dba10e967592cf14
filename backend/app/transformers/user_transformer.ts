import { BaseTransformer } from '@adonisjs/core/transformers'
import type User from '#models/user'
import type { Attributes } from '#services/rows'
import {
  boolean,
  integer,
  isoUtc,
  nullable,
  responseSchema,
  string,
  timestamp,
} from '#transformers/response_schema'

/** The API's User (no updatedAt), from a model or the guard's row. */
export default class UserTransformer extends BaseTransformer<Attributes<User>> {
  toObject() {
    const user = this.resource
    return {
      id: user.id,
      username: user.username,
      organizationId: user.organizationId,
      isGuest: user.isGuest,
      createdAt: isoUtc(user.createdAt),
    }
  }

  static schema = responseSchema<ReturnType<UserTransformer['toObject']>>({
    id: integer,
    username: string,
    organizationId: nullable(integer),
    isGuest: boolean,
    createdAt: timestamp,
  })
}
