/*
 * `ctx.serialize(value)`: turns transformer output (app/transformers/) into the JSON the
 * contract describes. The contract answers a single resource unwrapped and a list as
 * `{data, meta}`; lists are built by #services/pagination, so this serializer neither wraps
 * nor reshapes pagination metadata.
 */
import { HttpContext } from '@adonisjs/core/http'
import { BaseSerializer } from '@adonisjs/core/transformers'

class ApiSerializer extends BaseSerializer<{ Wrap: undefined }> {
  wrap = undefined

  definePaginationMetaData(metaData: unknown) {
    return metaData
  }
}

declare module '@adonisjs/core/http' {
  export interface HttpContext {
    serialize: ApiSerializer['serialize']
  }
}

export const serializer = new ApiSerializer()

export default class ApiProvider {
  boot() {
    HttpContext.instanceProperty('serialize', function (this: HttpContext, value: any): any {
      return serializer.serialize(value, this.containerResolver)
    })
  }
}
