import db from '@adonisjs/lucid/services/db'
import type { LucidModel, ModelQueryBuilderContract } from '@adonisjs/lucid/types/model'
import { DEFAULT_PER_PAGE } from '#validators/pagination'

export type PageRequest = { page?: number; perPage?: number }

export type Page<T> = {
  data: T[]
  meta: { total: number; perPage: number; currentPage: number; lastPage: number }
}

/**
 * One page of a query in the contract's list shape. The total rides along
 * on the page's rows (`count(*) over ()`), so a list costs one round trip
 * instead of a count query plus a select; only a page past the end needs
 * a separate count.
 */
export async function paginate<Model extends LucidModel>(
  query: ModelQueryBuilderContract<Model, InstanceType<Model>>,
  { page = 1, perPage = DEFAULT_PER_PAGE }: PageRequest
): Promise<Page<InstanceType<Model>>> {
  const table = query.model.table
  const rows = await query
    .clone()
    .select(`${table}.*`, db.raw('count(*) over () as page_total'))
    .forPage(page, perPage)

  let total: number
  if (rows.length > 0) {
    total = Number(rows[0].$extras.page_total)
  } else {
    const [counted] = await query.clone().clearOrder().count('* as total')
    total = Number(counted.$extras.total)
  }

  return {
    data: rows,
    meta: {
      total,
      perPage,
      currentPage: page,
      lastPage: Math.max(1, Math.ceil(total / perPage)),
    },
  }
}
