/*
 * Tenant scoping: a user sees only its own organization and what is in it.
 * Anything else is "not found", so other tenants' ids reveal nothing.
 */
import type User from '#models/user'
import Organization from '#models/organization'
import Project from '#models/project'
import { ApiException } from '#exceptions/api_exception'

const MAX_DB_ID = 2_147_483_647

/** Route ids are digits of any length; those beyond the integer column's range cannot exist. */
export function isDbId(id: number) {
  return Number.isSafeInteger(id) && id >= 1 && id <= MAX_DB_ID
}

/** The id of the caller's organization when `id` is it, else 404. */
export function ownOrganizationId(user: User, id: number): number {
  if (user.organizationId === null || user.organizationId !== id) {
    throw ApiException.notFound('Organization not found')
  }
  return id
}

export async function findOwnOrganization(user: User, id: number) {
  const organization = await Organization.find(ownOrganizationId(user, id))
  if (!organization) {
    throw ApiException.notFound('Organization not found')
  }
  return organization
}

export async function findOwnProject(user: User, id: number) {
  if (user.organizationId === null || !isDbId(id)) {
    throw ApiException.notFound('Project not found')
  }
  const project = await Project.query()
    .where('id', id)
    .where('organization_id', user.organizationId)
    .first()
  if (!project) {
    throw ApiException.notFound('Project not found')
  }
  return project
}
