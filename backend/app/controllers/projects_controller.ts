import type { HttpContext } from '@adonisjs/core/http'
import db from '@adonisjs/lucid/services/db'
import Project from '#models/project'
import ProjectTransformer from '#transformers/project_transformer'
import { present } from '#transformers/present'
import { createProjectValidator, updateProjectValidator } from '#validators/project'
import { paginationValidator } from '#validators/pagination'
import { pagedList } from '#services/pagination'
import { findOwnProject, ownOrganizationId, saveWhileExists } from '#services/tenancy'
import { attributeColumns, statement, type Attributes } from '#services/rows'

const insertProject = statement<Attributes<Project>, [number, string, string | null, Date]>(
  (organizationId, name, description, now) =>
    db
      .insertQuery()
      .table(Project.table)
      .insert({
        organization_id: organizationId,
        name,
        description,
        created_at: now,
        updated_at: now,
      })
      .returning(attributeColumns(Project))
)

const projectsOf = pagedList(Project, ProjectTransformer, (query, organizationId) =>
  query.where('organization_id', organizationId).orderBy('id')
)

export default class ProjectsController {
  /** GET /v1/organizations/:orgId/projects */
  async index({ params, request, auth }: HttpContext) {
    const organizationId = ownOrganizationId(auth.getUserOrFail(), params.orgId)
    const pageRequest = await paginationValidator.validate(request.qs())
    return projectsOf(organizationId, pageRequest)
  }

  /**
   * POST /v1/organizations/:orgId/projects: a duplicate name answers 409 (unique
   * constraint); an organization deleted meanwhile 404 (foreign key, handler).
   * An insert statement returning the row (a hot path: no model to build and save).
   */
  async store({ params, request, response, auth }: HttpContext) {
    const organizationId = ownOrganizationId(auth.getUserOrFail(), params.orgId)
    const { name, description } = await request.validateUsing(createProjectValidator)
    const [project] = await insertProject(organizationId, name, description ?? null, new Date())
    return response.created(present(ProjectTransformer, project))
  }

  /** GET /v1/projects/:id */
  async show({ params, auth }: HttpContext) {
    return present(ProjectTransformer, await findOwnProject(auth.getUserOrFail(), params.id))
  }

  /** PUT /v1/projects/:id: partial update of name and/or description. */
  async update({ params, request, auth }: HttpContext) {
    const project = await findOwnProject(auth.getUserOrFail(), params.id)
    const { name, description } = await request.validateUsing(updateProjectValidator)
    if (name !== undefined) project.name = name
    if (description !== undefined) project.description = description
    await saveWhileExists(project, 'Project not found')
    return present(ProjectTransformer, project)
  }

  /** DELETE /v1/projects/:id */
  async destroy({ params, response, auth }: HttpContext) {
    const project = await findOwnProject(auth.getUserOrFail(), params.id)
    await project.delete()
    return response.noContent()
  }
}
