import { BaseTransformer } from '@adonisjs/core/transformers'
import type User from '#models/user'
import type { IssuedToken } from '#guards/jwt_guard'
import UserTransformer from '#transformers/user_transformer'
import { present } from '#transformers/present'
import { ref, responseSchema } from '#transformers/response_schema'

/** The answer of a sign-in: the issued token and its user. */
export default class TokenTransformer extends BaseTransformer<{ issued: IssuedToken; user: User }> {
  toObject() {
    const { issued, user } = this.resource
    return {
      token: issued.token,
      tokenType: issued.tokenType,
      expiresIn: issued.expiresIn,
      user: present(UserTransformer, user),
    }
  }

  static schema = responseSchema<ReturnType<TokenTransformer['toObject']>>({
    token: { type: 'string', description: 'JWT: sub, org_id, iat, exp = iat + 3600' },
    tokenType: { const: 'Bearer' },
    expiresIn: { const: 3600 },
    user: ref('User'),
  })
}
