import db from '@adonisjs/lucid/services/db'
import type { LucidModel, ModelQueryBuilderContract } from '@adonisjs/lucid/types/model'
import { DEFAULT_PER_PAGE } from '#validators/pagination'

export type PageRequest = { page?: number; perPage?: number }

export type Page<T> = {
  data: T[]
  meta: { total: number; perPage: number; currentPage: number; lastPage: number }
}

/**
 * One page of a query in the contract's list shape, with rows presented by
 * `present` straight from the database rows (no model hydration: lists are
 * the hot path). The total rides along on the rows (`count(*) over ()`), so
 * a page costs one round trip; only a page past the end needs a count.
 */
export async function paginate<Row, Item>(
  query: ModelQueryBuilderContract<LucidModel, unknown>,
  { page = 1, perPage = DEFAULT_PER_PAGE }: PageRequest,
  present: (row: Row) => Item
): Promise<Page<Item>> {
  const table = query.model.table
  const rows = await query
    .clone()
    .select(`${table}.*`, db.raw('count(*) over () as page_total'))
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
    data: rows.map(present),
    meta: {
      total,
      perPage,
      currentPage: page,
      lastPage: Math.max(1, Math.ceil(total / perPage)),
    },
  }
}
