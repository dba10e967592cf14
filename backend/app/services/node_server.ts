/*
 * The node:http server the backend listens on: bin/server.ts starts it, and so does the tests'
 * HTTP server (tests/bootstrap.ts), so both answer with the same headers.
 *
 * The headers every response carries are set here, on the raw response, before AdonisJS sees the
 * request: errors, 404s and the framework's own malformed-URL answer included, and at the cost of
 * two setHeader calls instead of a server middleware resolved through the container on every
 * request (bench:api's hello route). A header the route sets itself (e.g. the docs assets'
 * Cache-Control) still wins: AdonisJS passes its headers to writeHead, which overrides these.
 *   - X-Content-Type-Options: nosniff, everywhere.
 *   - Cache-Control: no-store under /v1 (tokens, tenant data): no browser or intermediary keeps it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void

export function createNodeServer(handler: RequestHandler) {
  return createServer((request, response) => {
    response.setHeader('X-Content-Type-Options', 'nosniff')
    if (request.url?.startsWith('/v1/')) response.setHeader('Cache-Control', 'no-store')
    handler(request, response)
  })
}
