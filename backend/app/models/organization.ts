import { hasMany } from '@adonisjs/lucid/orm'
import type { HasMany } from '@adonisjs/lucid/types/relations'
import { OrganizationSchema } from '#database/schema'
import Project from '#models/project'
import User from '#models/user'

/** How the API presents an organization: #transformers/organization_transformer. */
export default class Organization extends OrganizationSchema {
  @hasMany(() => Project)
  declare projects: HasMany<typeof Project>

  @hasMany(() => User)
  declare members: HasMany<typeof User>
}
