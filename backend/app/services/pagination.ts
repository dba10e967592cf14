import type { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import type { LucidModel, ModelQueryBuilderContract } from '@adonisjs/lucid/types/model'
import { DEFAULT_PER_PAGE } from '#validators/pagination'
import type { PageMeta } from '#transformers/response_schema'

export type PageRequest = { page?: number; perPage?: number }

/**
 * A model's columns under their attribute names: what a transformer reads, from a model or from
 * a list row (whose timestamps are the driver's Dates, not luxon DateTimes).
 */
export type Attributes<Model extends { $columns: readonly string[] }> = {
  [Key in Model['$columns'][number] & keyof Model]: Model[Key] extends DateTime
    ? DateTime | Date
    : Model[Key]
}

/** What a list item may hold: flat values, no nested transformer output to resolve. */
type FlatObject = Record<string, string | number | boolean | null>

/**
 * One page of a query in the contract's list shape `{data, meta}`, each item made by the
 * resource's transformer straight from a database row (no model hydration: lists are the hot
 * path). Rows are selected under the model's attribute names, so the transformer that presents
 * single reads presents them too. Its `toObject()` is called directly rather than through
 * `ctx.serialize`: list items are flat (the type says so), and resolving each row through the
 * container costs about three times as much per page (see docs/backend.md, benchmark).
 * The total rides along on the rows (`count(*) over ()`), so a page costs one round trip; only a
 * page past the end needs a count.
 */
export async function paginate<Row, Item extends FlatObject>(
  query: ModelQueryBuilderContract<LucidModel, unknown>,
  { page = 1, perPage = DEFAULT_PER_PAGE }: PageRequest,
  Transformer: new (row: Row) => { toObject(): Item }
): Promise<{ data: Item[]; meta: PageMeta }> {
  const { table, $columnsDefinitions } = query.model
  const columns = [...$columnsDefinitions].map(
    ([attribute, { columnName }]) => `${table}.${columnName} as ${attribute}`
  )
  const rows = await query
    .clone()
    .select(...columns, db.raw('count(*) over () as page_total'))
    .forPage(page, perPage)
    .pojo<Row & { page_total: string }>()

  let total: number
  if (rows.length > 0) {
    total = Number(rows[0].page_total)
  } else {
    const [counted] = await query.clone().clearOrder().count('* as total').pojo<{ total: string }>()
    total = Number(counted.total)
  }

  return {
    data: rows.map((row) => new Transformer(row).toObject()),
    meta: { total, perPage, currentPage: page, lastPage: Math.max(1, Math.ceil(total / perPage)) },
  }
}
