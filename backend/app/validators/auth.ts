import vine from '@vinejs/vine'

export const USERNAME_PATTERN = /^[A-Za-z0-9_-]+$/

export const username = () => vine.string().minLength(3).maxLength(32).regex(USERNAME_PATTERN)

/** POST /v1/auth/guest-signin */
export const guestSigninValidator = vine.create({
  username: username(),
})
