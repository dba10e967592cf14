import { DateTime } from 'luxon'
import { belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { ProjectSchema } from '#database/schema'
import Organization from '#models/organization'
import { isoUtc } from '#models/timestamps'

export default class Project extends ProjectSchema {
  @column.dateTime({ autoCreate: true, serialize: isoUtc })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true, serialize: isoUtc })
  declare updatedAt: DateTime

  @belongsTo(() => Organization)
  declare organization: BelongsTo<typeof Organization>
}

/** A `projects` row as PostgreSQL returns it. */
export type ProjectRow = {
  id: number
  organization_id: number
  name: string
  description: string | null
  created_at: Date
  updated_at: Date
}

/** The API's Project from a raw row, identical to the model's serialization (a test checks it). */
export function presentProjectRow(row: ProjectRow) {
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    description: row.description,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}
