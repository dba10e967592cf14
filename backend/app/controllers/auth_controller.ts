import type { HttpContext } from '@adonisjs/core/http'
import User from '#models/user'
import { guestSigninValidator } from '#validators/auth'
import TokenTransformer from '#transformers/token_transformer'
import UserTransformer from '#transformers/user_transformer'
import { present } from '#transformers/present'

export default class AuthController {
  /** POST /v1/auth/guest-signin: creates a guest user and returns its token. */
  async guestSignin({ request, response, auth }: HttpContext) {
    const { username } = await request.validateUsing(guestSigninValidator)
    // A taken username surfaces as the unique constraint: 409, also under races.
    const user = await User.create({ username, isGuest: true, organizationId: null })
    const issued = await auth.use('jwt').generate(user)
    return response.created(present(TokenTransformer, { issued, user }))
  }

  /** GET /v1/auth/me */
  async me({ auth }: HttpContext) {
    return present(UserTransformer, auth.getUserOrFail())
  }
}
