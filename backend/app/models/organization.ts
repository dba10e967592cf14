import { DateTime } from 'luxon'
import { column, hasMany } from '@adonisjs/lucid/orm'
import type { HasMany } from '@adonisjs/lucid/types/relations'
import { OrganizationSchema } from '#database/schema'
import Project from '#models/project'
import User from '#models/user'
import { isoUtc } from '#models/timestamps'

export default class Organization extends OrganizationSchema {
  @column.dateTime({ autoCreate: true, serialize: isoUtc })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true, serialize: isoUtc })
  declare updatedAt: DateTime

  @hasMany(() => Project)
  declare projects: HasMany<typeof Project>

  @hasMany(() => User)
  declare members: HasMany<typeof User>
}

/** An `organizations` row as PostgreSQL returns it. */
export type OrganizationRow = { id: number; name: string; created_at: Date; updated_at: Date }

/** The API's Organization from a raw row, identical to the model's serialization (a test checks it). */
export function presentOrganizationRow(row: OrganizationRow) {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}
