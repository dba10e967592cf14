/*
 * GET /docs: Swagger UI over /openapi.json, with "Try it out" and Bearer authorization. Its
 * files come from the installed swagger-ui-dist package and are served by this API under
 * /docs/assets/ (no CDN: the cluster has no internet). The page's Content-Security-Policy
 * (#services/content_security_policy) admits the inline start-up script by its hash.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const swaggerUiDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))

/** The only files /docs/assets/ serves (the route matches nothing else). */
export const DOCS_ASSETS: Record<string, string> = {
  'swagger-ui.css': join(swaggerUiDir, 'swagger-ui.css'),
  'swagger-ui-bundle.js': join(swaggerUiDir, 'swagger-ui-bundle.js'),
  'favicon-32x32.png': join(swaggerUiDir, 'favicon-32x32.png'),
}

const init = `fetch('/openapi.json')
  .then((response) => response.json())
  .then((spec) => {
    window.ui = SwaggerUIBundle({
      spec,
      dom_id: '#swagger-ui',
      deepLinking: true,
      tryItOutEnabled: true,
      persistAuthorization: false,
    })
  })`

export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Backend API — documentation</title>
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>${init}</script>
</body>
</html>
`
