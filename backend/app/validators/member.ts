import vine from '@vinejs/vine'
import { username } from '#validators/auth'

/** POST /v1/organizations/:id/members */
export const addMemberValidator = vine.create({
  username: username(),
})
