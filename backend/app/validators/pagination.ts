import vine from '@vinejs/vine'

export const MAX_PER_PAGE = 100
export const DEFAULT_PER_PAGE = 20

/** ?page&perPage of every list; perPage above the cap is lowered to it, not rejected. */
export const paginationValidator = vine.create({
  page: vine.number().withoutDecimals().min(1).max(2_147_483_647).optional(),
  perPage: vine
    .number()
    .withoutDecimals()
    .min(1)
    .optional()
    .transform((value) => (value === undefined ? value : Math.min(value, MAX_PER_PAGE))),
})
