import { DateTime } from 'luxon'
import { belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { UserSchema } from '#database/schema'
import Organization from '#models/organization'
import { isoUtc } from '#models/timestamps'

export default class User extends UserSchema {
  @column.dateTime({ autoCreate: true, serialize: isoUtc })
  declare createdAt: DateTime

  /** Not part of the API's User. */
  @column.dateTime({ autoCreate: true, autoUpdate: true, serializeAs: null })
  declare updatedAt: DateTime

  @belongsTo(() => Organization)
  declare organization: BelongsTo<typeof Organization>
}
