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
