import vine from '@vinejs/vine'

/** PostgreSQL text cannot hold NUL: reject it as a validation error (rule "noNul"), not a 500. */
const noNul = vine.createRule((value, _options, field) => {
  if (typeof value === 'string' && value.includes('\u0000')) {
    field.report('The {{ field }} field must not contain NUL characters', 'noNul', field)
  }
})

/** Free text the database can store. */
export const text = () => vine.string().use(noNul())
