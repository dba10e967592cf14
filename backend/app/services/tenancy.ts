/*
 * Tenant scoping: a user sees only its own organization and what is in it.
 * Anything else is "not found", so other tenants' ids reveal nothing.
 */
import db from '@adonisjs/lucid/services/db'
import type { LucidModel, LucidRow } from '@adonisjs/lucid/types/model'
import type { AuthUser } from '#guards/jwt_guard'
import Organization from '#models/organization'
import Project from '#models/project'
import { ApiException } from '#exceptions/api_exception'

const MAX_DB_ID = 2_147_483_647

/** Route ids are digits of any length; those beyond the integer column's range cannot exist. */
export function isDbId(id: number) {
  return Number.isSafeInteger(id) && id >= 1 && id <= MAX_DB_ID
}

/** The id of the caller's organization when `id` is it, else 404. */
export function ownOrganizationId(user: AuthUser, id: number): number {
  if (user.organizationId === null || user.organizationId !== id) {
    throw ApiException.notFound('Organization not found')
  }
  return id
}

export async function findOwnOrganization(user: AuthUser, id: number) {
  const organization = await Organization.find(ownOrganizationId(user, id))
  if (!organization) {
    throw ApiException.notFound('Organization not found')
  }
  return organization
}

export async function findOwnProject(user: AuthUser, id: number) {
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

/**
 * Saves a row read earlier, but only while it still exists: the row is locked
 * (SELECT … FOR UPDATE) in the saving transaction, so a delete running at the
 * same time (of the row, or of its organization, which cascades) either waits
 * for the save or wins and the save answers 404 — never a 200 for a row that
 * is gone.
 */
export async function saveWhileExists<Row extends LucidRow & { id: number }>(
  row: Row,
  notFoundMessage: string
): Promise<Row> {
  const model = row.constructor as LucidModel
  await db.transaction(async (trx) => {
    const current = await model.query({ client: trx }).where('id', row.id).forUpdate().first()
    if (!current) {
      throw ApiException.notFound(notFoundMessage)
    }
    row.useTransaction(trx)
    await row.save()
  })
  return row
}
