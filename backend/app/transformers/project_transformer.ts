import { BaseTransformer } from '@adonisjs/core/transformers'
import type Project from '#models/project'
import type { Attributes } from '#services/rows'
import {
  integer,
  isoUtc,
  nullable,
  responseSchema,
  string,
  timestamp,
} from '#transformers/response_schema'

/** The API's Project, from a model or a list row. */
export default class ProjectTransformer extends BaseTransformer<Attributes<Project>> {
  toObject() {
    const project = this.resource
    return {
      id: project.id,
      organizationId: project.organizationId,
      name: project.name,
      description: project.description,
      createdAt: isoUtc(project.createdAt),
      updatedAt: isoUtc(project.updatedAt),
    }
  }

  static schema = responseSchema<ReturnType<ProjectTransformer['toObject']>>({
    id: integer,
    organizationId: integer,
    name: string,
    description: nullable(string),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
}
