import type { HttpContext } from '@adonisjs/core/http'
import db from '@adonisjs/lucid/services/db'
import Organization from '#models/organization'
import OrganizationTransformer from '#transformers/organization_transformer'
import { present } from '#transformers/present'
import User from '#models/user'
import { ApiException } from '#exceptions/api_exception'
import { organizationValidator } from '#validators/organization'
import { paginationValidator } from '#validators/pagination'
import { pagedList } from '#services/pagination'
import { findOwnOrganization, saveWhileExists } from '#services/tenancy'

const organizationsWithId = pagedList(Organization, OrganizationTransformer, (query, id) =>
  query.where('id', id).orderBy('id')
)
/** No organization yet: an id no row has (ids start at 1), so the list is empty. */
const NO_ORGANIZATION = 0

export default class OrganizationsController {
  /** GET /v1/organizations: the caller's organization as a list (0 or 1 items). */
  async index({ request, auth }: HttpContext) {
    const pageRequest = await paginationValidator.validate(request.qs())
    const { organizationId } = auth.getUserOrFail()
    return organizationsWithId(organizationId ?? NO_ORGANIZATION, pageRequest)
  }

  /** POST /v1/organizations: creates an organization and makes the caller its member. */
  async store({ request, response, auth }: HttpContext) {
    const { name } = await request.validateUsing(organizationValidator)
    const user = auth.getUserOrFail()
    if (user.organizationId !== null) {
      throw alreadyMember()
    }
    const organization = await db.transaction(async (trx) => {
      const created = await Organization.create({ name }, { client: trx })
      // Conditional update: of two concurrent creations by one user, only one joins.
      const joined = await User.query({ client: trx })
        .where('id', user.id)
        .whereNull('organization_id')
        .update({ organization_id: created.id })
      if (Number(joined[0]) !== 1) {
        throw alreadyMember()
      }
      return created
    })
    return response.created(present(OrganizationTransformer, organization))
  }

  /** GET /v1/organizations/:id */
  async show({ params, auth }: HttpContext) {
    const organization = await findOwnOrganization(auth.getUserOrFail(), params.id)
    return present(OrganizationTransformer, organization)
  }

  /** PUT /v1/organizations/:id */
  async update({ params, request, auth }: HttpContext) {
    const organization = await findOwnOrganization(auth.getUserOrFail(), params.id)
    const { name } = await request.validateUsing(organizationValidator)
    organization.name = name
    await saveWhileExists(organization, 'Organization not found')
    return present(OrganizationTransformer, organization)
  }

  /** DELETE /v1/organizations/:id: projects go with it, members become org-less (FK rules). */
  async destroy({ params, response, auth }: HttpContext) {
    const organization = await findOwnOrganization(auth.getUserOrFail(), params.id)
    await organization.delete()
    return response.noContent()
  }
}

function alreadyMember() {
  return ApiException.conflict(
    'You already belong to an organization',
    undefined,
    'singleOrganization'
  )
}
