import { belongsTo } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { UserSchema } from '#database/schema'
import Organization from '#models/organization'

/** How the API presents a user: #transformers/user_transformer. */
export default class User extends UserSchema {
  @belongsTo(() => Organization)
  declare organization: BelongsTo<typeof Organization>
}
