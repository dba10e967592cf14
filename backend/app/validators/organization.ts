import vine from '@vinejs/vine'

/** POST and PUT /v1/organizations */
export const organizationValidator = vine.create({
  name: vine.string().trim().minLength(1).maxLength(100),
})
