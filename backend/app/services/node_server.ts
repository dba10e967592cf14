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

/**
 * Whether the router will see this URL under /v1/. It matches the decoded path, so `/%761/…` or
 * `/v%31/…` reach the /v1 routes too; only a URL with an escape pays for decoding.
 */
export function underV1(url: string): boolean {
  if (url.startsWith('/v1/')) return true
  if (!url.includes('%')) return false
  try {
    return decodeURI(url).startsWith('/v1/')
  } catch {
    return false // undecodable: AdonisJS answers 400 before any route
  }
}

export function createNodeServer(handler: RequestHandler) {
  return createServer((request, response) => {
    response.setHeader('X-Content-Type-Options', 'nosniff')
    if (underV1(request.url ?? '')) response.setHeader('Cache-Control', 'no-store')
    handler(request, response)
  })
}
