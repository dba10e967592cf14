/*
 * The ceilings of `npm run bench:api`: the backend's benchmarked routes without the framework.
 *
 *   GET  /v1/hello                          bare node:http (no database, no token)
 *   GET  /v1/organizations/:id/projects     HS256 check, user lookup, one page query, JSON
 *   POST /v1/organizations/:id/projects     body, HS256 check, user lookup, validation, insert,
 *                                           JSON
 *
 * Each route does the backend's work and nothing less: the same token checks (jose, HS256, iss,
 * aud, exp, canonical sub), the same SQL text with the same bind values (as the backend issues
 * them through Lucid/knex; the bench compares the responses byte for byte before measuring), the
 * same headers, on a node-postgres pool of the backend's size. What it leaves out is the
 * framework: router, middleware, container, ORM, validator library, serializer.
 *
 * Usage: node bench/reference_server.ts <port>, with JWT_SECRET, DB_* and DB_POOL_MAX in the
 * environment.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { webcrypto } from 'node:crypto'
import { jwtVerify } from 'jose'
import pg from 'pg'

const port = Number(process.argv[2])
const ISSUER = 'agent-ready-k8s/backend'
const AUDIENCE = 'agent-ready-k8s/api'
const CANONICAL_ID = /^[1-9][0-9]{0,9}$/
const MAX_DB_ID = 2_147_483_647
const MAX_PER_PAGE = 100
const DEFAULT_PER_PAGE = 20
const BODY_LIMIT = 100 * 1024

const pool = new pg.Pool({
  host: process.env.DB_HOST,
  port: Number(process.env.DB_PORT),
  user: process.env.DB_USER,
  password: process.env.DB_PASSWORD || undefined,
  database: process.env.DB_DATABASE,
  max: Number(process.env.DB_POOL_MAX),
})

const key = await webcrypto.subtle.importKey(
  'raw',
  new TextEncoder().encode(process.env.JWT_SECRET),
  { name: 'HMAC', hash: 'SHA-256' },
  false,
  ['verify']
)

const USER_BY_ID =
  'select "users"."created_at" as "createdAt", "users"."id" as "id", ' +
  '"users"."is_guest" as "isGuest", ' +
  '"users"."organization_id" as "organizationId", "users"."updated_at" as "updatedAt", ' +
  '"users"."username" as "username" from "users" where "id" = $1 limit $2'
const PAGE_OF_PROJECTS =
  'select "projects"."created_at" as "createdAt", "projects"."description" as "description", ' +
  '"projects"."id" as "id", "projects"."name" as "name", ' +
  '"projects"."organization_id" as "organizationId", ' +
  '"projects"."updated_at" as "updatedAt", count(*) over () as page_total from "projects" ' +
  'where "organization_id" = $1 order by "id" asc limit $2 offset $3'
const COUNT_OF_PROJECTS = 'select count(*) as "total" from "projects" where "organization_id" = $1'
const INSERT_PROJECT =
  'insert into "projects" ("created_at", "description", "name", "organization_id", "updated_at") ' +
  'values ($1, $2, $3, $4, $5) returning "projects"."created_at" as "createdAt", ' +
  '"projects"."description" as "description", "projects"."id" as "id", ' +
  '"projects"."name" as "name", ' +
  '"projects"."organization_id" as "organizationId", "projects"."updated_at" as "updatedAt"'

class HttpError extends Error {
  status: number
  field?: string
  rule?: string
  constructor(status: number, message: string, field?: string, rule?: string) {
    super(message)
    this.status = status
    this.field = field
    this.rule = rule
  }
}

function send(response: ServerResponse, status: number, value: unknown, headers = {}) {
  const body = JSON.stringify(value)
  response.writeHead(status, {
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
    'content-type': 'application/json; charset=utf-8',
    ...headers,
  })
  response.end(body)
}

/** The guard's checks: Bearer scheme, HS256 with our key, iss, aud, exp, canonical `sub`. */
async function authenticatedUser(request: IncomingMessage) {
  const [scheme, token, ...rest] = (request.headers.authorization ?? '').trim().split(/\s+/)
  if (scheme?.toLowerCase() !== 'bearer' || !token || rest.length > 0) throw unauthorized()
  let id = 0
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ['sub', 'iat', 'exp', 'iss', 'aud'],
    })
    const sub = payload.sub as unknown
    id = typeof sub === 'string' && CANONICAL_ID.test(sub) ? Number(sub) : 0
  } catch {
    throw unauthorized()
  }
  if (id < 1 || id > MAX_DB_ID) throw unauthorized()
  const { rows } = await pool.query(USER_BY_ID, [id, 1])
  if (rows.length === 0) throw unauthorized()
  return rows[0] as { id: number; organizationId: number | null }
}

function unauthorized() {
  return new HttpError(401, 'Unauthorized: a valid Bearer token is required')
}

function ownOrganizationId(user: { organizationId: number | null }, id: number) {
  if (user.organizationId === null || user.organizationId !== id) {
    throw new HttpError(404, 'Organization not found')
  }
  return id
}

/** ?page&perPage as the pagination validator takes them: whole numbers ≥ 1, perPage capped. */
function pageRequest(search: URLSearchParams) {
  const read = (name: string, fallback: number, max: number) => {
    const raw = search.get(name)
    if (raw === null || raw === '') return fallback
    const value = Number(raw)
    if (!Number.isInteger(value) || value < 1) {
      throw new HttpError(422, `The ${name} field must be a whole number of at least 1`, name)
    }
    return Math.min(value, max)
  }
  return {
    page: read('page', 1, MAX_DB_ID),
    perPage: read('perPage', DEFAULT_PER_PAGE, MAX_PER_PAGE),
  }
}

type ProjectRow = {
  id: number
  organizationId: number
  name: string
  description: string | null
  createdAt: Date
  updatedAt: Date
}

function presentProject(row: ProjectRow) {
  return {
    id: row.id,
    organizationId: row.organizationId,
    name: row.name,
    description: row.description,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

async function listProjects(request: IncomingMessage, organizationId: number, url: URL) {
  const user = await authenticatedUser(request)
  ownOrganizationId(user, organizationId)
  const { page, perPage } = pageRequest(url.searchParams)
  const { rows } = await pool.query(PAGE_OF_PROJECTS, [
    organizationId,
    perPage,
    (page - 1) * perPage,
  ])
  let total: number
  if (rows.length > 0) {
    total = Number(rows[0].page_total)
  } else {
    const counted = await pool.query(COUNT_OF_PROJECTS, [organizationId])
    total = Number(counted.rows[0].total)
  }
  return {
    data: rows.map(presentProject),
    meta: { total, perPage, currentPage: page, lastPage: Math.max(1, Math.ceil(total / perPage)) },
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > BODY_LIMIT) reject(new HttpError(413, 'Request body too large'))
      else chunks.push(chunk)
    })
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

/** The create validator's rules: name trimmed 1–100, description ≤ 1000 or null, no NUL. */
function text(value: unknown, field: string, max: number, min = 0) {
  if (typeof value !== 'string')
    throw new HttpError(422, `The ${field} field must be a string`, field)
  if (value.includes('\u0000')) throw new HttpError(422, 'NUL character', field, 'noNul')
  if (value.length < min || value.length > max) throw new HttpError(422, 'length', field)
  return value
}

async function createProject(request: IncomingMessage, organizationId: number) {
  const raw = await readBody(request)
  const isJson = (request.headers['content-type'] ?? '').startsWith('application/json')
  let body: Record<string, unknown> = {}
  if (isJson && raw !== '') {
    try {
      body = JSON.parse(raw)
    } catch {
      throw new HttpError(400, 'Malformed JSON')
    }
  }
  const user = await authenticatedUser(request)
  ownOrganizationId(user, organizationId)
  const name = text(typeof body.name === 'string' ? body.name.trim() : body.name, 'name', 100, 1)
  const description =
    body.description === undefined || body.description === null
      ? null
      : text(body.description, 'description', 1000)
  const now = new Date()
  try {
    const { rows } = await pool.query(INSERT_PROJECT, [now, description, name, organizationId, now])
    return presentProject(rows[0])
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === '23505') throw new HttpError(409, 'name is already taken', 'name', 'unique')
    if (code === '23503') throw new HttpError(404, 'Organization not found')
    throw error
  }
}

const HELLO = JSON.stringify({ message: 'Hello, World!' })
const PROJECTS = /^\/v1\/organizations\/([0-9]+)\/projects$/

async function handle(request: IncomingMessage, response: ServerResponse) {
  const url = new URL(request.url ?? '/', 'http://reference')
  const projects = PROJECTS.exec(url.pathname)
  if (projects && request.method === 'GET') {
    return send(response, 200, await listProjects(request, Number(projects[1]), url))
  }
  if (projects && request.method === 'POST') {
    return send(response, 201, await createProject(request, Number(projects[1])))
  }
  throw new HttpError(404, 'Not found')
}

const server = createServer((request, response) => {
  if (request.url === '/v1/hello' && request.method === 'GET') {
    // Bare node:http: the hello ceiling, with the backend's headers and bytes.
    response.writeHead(200, {
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(HELLO),
      'content-type': 'application/json; charset=utf-8',
    })
    response.end(HELLO)
    return
  }
  handle(request, response).catch((error: unknown) => {
    if (error instanceof HttpError) {
      const { message, field, rule } = error
      const headers = error.status === 401 ? { 'www-authenticate': 'Bearer' } : {}
      send(response, error.status, { errors: [{ message, field, rule }] }, headers)
    } else {
      console.error(error)
      send(response, 500, { errors: [{ message: 'Internal server error' }] })
    }
  })
}).listen(port, '127.0.0.1')

// A clean exit on SIGTERM (the supervisor's stop), so --cpu-prof gets to write its profile.
process.on('SIGTERM', () => {
  server.closeAllConnections()
  server.close()
  pool.end().finally(() => process.exit(0))
})
