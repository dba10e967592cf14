import db from '@adonisjs/lucid/services/db'
import type { LucidModel, ModelQueryBuilderContract } from '@adonisjs/lucid/types/model'
import { DEFAULT_PER_PAGE } from '#validators/pagination'
import type { PageMeta } from '#transformers/response_schema'
import { attributeColumns, statement } from '#services/rows'
import { present } from '#transformers/present'

export type PageRequest = { page?: number; perPage?: number }

/** What a list item may hold: flat values, no nested transformer output to resolve. */
type FlatObject = Record<string, string | number | boolean | null>

type Scope = (
  query: ModelQueryBuilderContract<LucidModel>,
  value: number
) => ModelQueryBuilderContract<LucidModel>

/**
 * A list in the contract's shape `{data, meta}`: the rows of `model` that `scope` selects for a
 * value (e.g. an organization id), in its order, one page at a time, each item made by the
 * resource's transformer straight from a database row (no model hydration: lists are the hot
 * path). Rows are selected under the model's attribute names, so the transformer that presents
 * single reads presents them too (#transformers/present); list items are flat (the type says so).
 * The total rides along on the rows (`count(*) over ()`), so a page costs one round trip; only a
 * page past the end needs a count. Both queries are statements (#services/rows): built once.
 */
export function pagedList<Row, Item extends FlatObject>(
  model: LucidModel,
  Transformer: new (row: Row) => { toObject(): Item },
  scope: Scope
) {
  const pageOf = statement<Row & { page_total: string }, [number, number, number]>(
    (value, limit, offset) =>
      scope(model.query(), value)
        .select(...attributeColumns(model), db.raw('count(*) over () as page_total'))
        .limit(limit)
        .offset(offset)
  )
  const countOf = statement<{ total: string }, [number]>((value) =>
    scope(model.query(), value).clearOrder().count('* as total')
  )

  return async function paginate(
    value: number,
    { page = 1, perPage = DEFAULT_PER_PAGE }: PageRequest
  ): Promise<{ data: Item[]; meta: PageMeta }> {
    const rows = await pageOf(value, perPage, (page - 1) * perPage)
    let total: number
    if (rows.length > 0) {
      total = Number(rows[0].page_total)
    } else {
      const [counted] = await countOf(value)
      total = Number(counted.total)
    }
    return {
      data: rows.map((row) => present(Transformer, row)),
      meta: {
        total,
        perPage,
        currentPage: page,
        lastPage: Math.max(1, Math.ceil(total / perPage)),
      },
    }
  }
}
