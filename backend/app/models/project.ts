import { belongsTo } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { ProjectSchema } from '#database/schema'
import Organization from '#models/organization'

/** How the API presents a project: #transformers/project_transformer. */
export default class Project extends ProjectSchema {
  @belongsTo(() => Organization)
  declare organization: BelongsTo<typeof Organization>
}
