import type { LucidModel, ModelQueryBuilderContract } from '@adonisjs/lucid/types/model'
import { DEFAULT_PER_PAGE } from '#validators/pagination'

export type PageRequest = { page?: number; perPage?: number }

export type Page<T> = {
  data: T[]
  meta: { total: number; perPage: number; currentPage: number; lastPage: number }
}

/** One page of a query in the contract's list shape. */
export async function paginate<Model extends LucidModel>(
  query: ModelQueryBuilderContract<Model, InstanceType<Model>>,
  { page = 1, perPage = DEFAULT_PER_PAGE }: PageRequest
): Promise<Page<InstanceType<Model>>> {
  const result = await query.paginate(page, perPage)
  return {
    data: result.all() as InstanceType<Model>[],
    meta: {
      total: result.total,
      perPage: result.perPage,
      currentPage: result.currentPage,
      lastPage: result.lastPage,
    },
  }
}
