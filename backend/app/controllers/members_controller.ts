import type { HttpContext } from '@adonisjs/core/http'
import User from '#models/user'
import { ApiException } from '#exceptions/api_exception'
import { addMemberValidator } from '#validators/member'
import { findOwnOrganization } from '#services/tenancy'
import UserTransformer from '#transformers/user_transformer'
import { present } from '#transformers/present'

export default class MembersController {
  /** POST /v1/organizations/:id/members: adds an org-less user to the caller's organization. */
  async store({ params, request, response, auth }: HttpContext) {
    const organization = await findOwnOrganization(auth.getUserOrFail(), params.id)
    const { username } = await request.validateUsing(addMemberValidator)

    // Conditional update, so a user can never end up in two organizations.
    const [joined] = await User.query()
      .where('username', username)
      .whereNull('organization_id')
      .update({ organization_id: organization.id, updated_at: new Date() }, ['id'])
    if (joined) {
      const member = await User.findOrFail((joined as { id: number }).id)
      return response.created(present(UserTransformer, member))
    }

    const existing = await User.findBy('username', username)
    if (!existing) {
      throw ApiException.notFound('User not found', 'username')
    }
    throw ApiException.conflict(
      'User already belongs to an organization',
      'username',
      'singleOrganization'
    )
  }
}
