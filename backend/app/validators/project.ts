import vine from '@vinejs/vine'
import { text } from '#validators/text'

const name = () => text().trim().minLength(1).maxLength(100)
const description = () => text().maxLength(1000).nullable().optional()

/** POST /v1/organizations/:orgId/projects */
export const createProjectValidator = vine.create({
  name: name(),
  description: description(),
})

/** PUT /v1/projects/:id (partial update) */
export const updateProjectValidator = vine.create({
  name: name().optional(),
  description: description(),
})
