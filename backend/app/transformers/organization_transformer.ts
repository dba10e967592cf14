import { BaseTransformer } from '@adonisjs/core/transformers'
import type Organization from '#models/organization'
import type { Attributes } from '#services/rows'
import { integer, isoUtc, responseSchema, string, timestamp } from '#transformers/response_schema'

/** The API's Organization, from a model or a list row. */
export default class OrganizationTransformer extends BaseTransformer<Attributes<Organization>> {
  toObject() {
    const organization = this.resource
    return {
      id: organization.id,
      name: organization.name,
      createdAt: isoUtc(organization.createdAt),
      updatedAt: isoUtc(organization.updatedAt),
    }
  }

  static schema = responseSchema<ReturnType<OrganizationTransformer['toObject']>>({
    id: integer,
    name: string,
    createdAt: timestamp,
    updatedAt: timestamp,
  })
}
