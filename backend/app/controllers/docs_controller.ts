import type { HttpContext } from '@adonisjs/core/http'
import { appVersion } from '#services/app_version'
import { openApiDocument } from '#openapi/document'
import { DOCS_ASSETS, DOCS_PAGE } from '#openapi/docs_page'
import { contentSecurityPolicy } from '#services/content_security_policy'
import { ApiException } from '#exceptions/api_exception'

const DOCS_PAGE_POLICY = contentSecurityPolicy(DOCS_PAGE)

export default class DocsController {
  /** GET /openapi.json */
  async document() {
    return openApiDocument(appVersion)
  }

  /** GET /docs */
  async page({ response }: HttpContext) {
    response.header('content-type', 'text/html; charset=utf-8')
    response.header('Content-Security-Policy', DOCS_PAGE_POLICY)
    return DOCS_PAGE
  }

  /** GET /docs/assets/:file: only the files DOCS_ASSETS names, never a path. */
  async asset({ params, response }: HttpContext) {
    if (!Object.hasOwn(DOCS_ASSETS, params.file)) {
      throw ApiException.notFound('No such file')
    }
    response.header('cache-control', 'public, max-age=3600')
    return response.download(DOCS_ASSETS[params.file])
  }
}
