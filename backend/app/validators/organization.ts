import vine from '@vinejs/vine'
import { text } from '#validators/text'

/** POST and PUT /v1/organizations */
export const organizationValidator = vine.create({
  name: text().trim().minLength(1).maxLength(100),
})
