/*
 * The OpenAPI 3.1 description of every route in start/routes.ts. Paths and summaries are written
 * here by hand; the schemas are not: request bodies and query parameters come from the VineJS
 * validators (`toJSONSchema()`), resource responses from the transformers (app/transformers/).
 * Functional tests fail when a registered route is missing here, when a request schema differs
 * from its route's validator, or when a real response does not match its schema.
 */
import { guestSigninValidator } from '#validators/auth'
import { addMemberValidator } from '#validators/member'
import { organizationValidator } from '#validators/organization'
import { paginationValidator } from '#validators/pagination'
import { createProjectValidator, updateProjectValidator } from '#validators/project'
import OrganizationTransformer from '#transformers/organization_transformer'
import ProjectTransformer from '#transformers/project_transformer'
import TokenTransformer from '#transformers/token_transformer'
import UserTransformer from '#transformers/user_transformer'
import { DOCS_ASSETS } from '#openapi/docs_page'
import { PAGE_META_SCHEMA, ref, type JsonSchema } from '#transformers/response_schema'

type Schema = JsonSchema

/** Request bodies, named as they appear under components.schemas. */
export const REQUEST_SCHEMAS = {
  GuestSignin: guestSigninValidator,
  OrganizationInput: organizationValidator,
  MemberInput: addMemberValidator,
  ProjectInput: createProjectValidator,
  ProjectUpdate: updateProjectValidator,
}

/** Resource responses, from the transformers that produce them. */
const RESOURCE_SCHEMAS = {
  Token: TokenTransformer.schema,
  User: UserTransformer.schema,
  Organization: OrganizationTransformer.schema,
  Project: ProjectTransformer.schema,
}

/** What the query validator cannot say: defaults and the cap applied instead of an error. */
const QUERY_NOTES: Record<string, Schema> = {
  page: { default: 1 },
  perPage: { default: 20, description: 'Page size; values above 100 are lowered to 100' },
}

const json = (schema: Schema) => ({ 'application/json': { schema } })

const errorResponse = (description: string) => ({ description, content: json(ref('Errors')) })

const RESPONSES = {
  400: errorResponse('Malformed JSON body'),
  401: errorResponse('Missing or invalid Bearer token'),
  404: errorResponse('Not found, or not in your organization'),
  409: errorResponse('Conflict'),
  422: errorResponse('Validation failed'),
  429: errorResponse('Rate limited'),
}

const idParam = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'integer', minimum: 1 },
})

const pageSchema = paginationValidator.toJSONSchema() as { properties: Record<string, Schema> }
const pageParams = Object.entries(pageSchema.properties).map(([name, schema]) => {
  const { description, ...defaults } = QUERY_NOTES[name] ?? {}
  return { name, in: 'query', description, schema: { ...schema, ...defaults } }
})

const listOf = (item: string): Schema => ({
  type: 'object',
  required: ['data', 'meta'],
  properties: { data: { type: 'array', items: ref(item) }, meta: ref('PageMeta') },
})

const secured = { security: [{ bearerAuth: [] }] }

const body = (schema: keyof typeof REQUEST_SCHEMAS) => ({
  required: true,
  content: json(ref(schema)),
})

const ok = (description: string, schema: Schema) => ({ description, content: json(schema) })

export function openApiDocument(version: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Backend API',
      version,
      description:
        'Guest sign-in, organizations, members and projects. Every ' +
        'error body is `{"errors":[{message, field?, rule?}]}`. ' +
        'Anything outside your organization answers 404.',
    },
    servers: [{ url: '/' }],
    tags: [{ name: 'system' }, { name: 'auth' }, { name: 'organizations' }, { name: 'projects' }],
    paths: {
      '/': {
        get: {
          tags: ['system'],
          summary: 'API name and version',
          responses: { 200: ok('Name and version', ref('Root')) },
        },
      },
      '/health': {
        get: {
          tags: ['system'],
          summary: 'Liveness (touches no dependency)',
          responses: { 200: ok('Alive', ref('Health')) },
        },
      },
      '/ready': {
        get: {
          tags: ['system'],
          summary: 'Readiness: PostgreSQL and Redis, each check bounded to 1 s',
          responses: {
            200: ok('Ready', ref('Readiness')),
            503: ok('A dependency is failing; the failing part says "error"', ref('Readiness')),
          },
        },
      },
      '/openapi.json': {
        get: {
          tags: ['system'],
          summary: 'This document',
          responses: { 200: ok('OpenAPI 3.1 document', { type: 'object' }) },
        },
      },
      '/docs': {
        get: {
          tags: ['system'],
          summary: 'Swagger UI over this document: try every operation, with Bearer authorization',
          responses: {
            200: {
              description: 'HTML page',
              content: { 'text/html': { schema: { type: 'string' } } },
            },
          },
        },
      },
      '/docs/assets/{file}': {
        get: {
          tags: ['system'],
          summary: "The docs page's files, from the installed swagger-ui-dist package",
          parameters: [
            {
              name: 'file',
              in: 'path',
              required: true,
              schema: { enum: Object.keys(DOCS_ASSETS) },
            },
          ],
          responses: {
            200: {
              description: 'The file',
              content: {
                'text/css': { schema: { type: 'string' } },
                'application/javascript': { schema: { type: 'string' } },
                'image/png': { schema: { type: 'string' } },
              },
            },
            404: errorResponse('No such file'),
          },
        },
      },
      '/v1/hello': {
        get: {
          tags: ['system'],
          summary: 'Hello world',
          responses: { 200: ok('Greeting', ref('Message')) },
        },
      },
      '/v1/auth/guest-signin': {
        post: {
          tags: ['auth'],
          summary: 'Create a guest user and get a token (10 per minute per client)',
          requestBody: body('GuestSignin'),
          responses: {
            201: ok('Signed in', ref('Token')),
            400: RESPONSES[400],
            409: RESPONSES[409],
            422: RESPONSES[422],
            429: RESPONSES[429],
          },
        },
      },
      '/v1/auth/me': {
        get: {
          tags: ['auth'],
          summary: 'The authenticated user',
          ...secured,
          responses: { 200: ok('The user', ref('User')), 401: RESPONSES[401] },
        },
      },
      '/v1/organizations': {
        get: {
          tags: ['organizations'],
          summary: "The caller's organizations (0 or 1)",
          ...secured,
          parameters: pageParams,
          responses: {
            200: ok('Organizations', listOf('Organization')),
            401: RESPONSES[401],
            422: RESPONSES[422],
          },
        },
        post: {
          tags: ['organizations'],
          summary: 'Create an organization; the caller becomes its member',
          ...secured,
          requestBody: body('OrganizationInput'),
          responses: {
            201: ok('Created', ref('Organization')),
            400: RESPONSES[400],
            401: RESPONSES[401],
            409: errorResponse('The caller already belongs to an organization'),
            422: RESPONSES[422],
          },
        },
      },
      '/v1/organizations/{id}': {
        parameters: [idParam('id', 'Organization id')],
        get: {
          tags: ['organizations'],
          summary: 'One organization',
          ...secured,
          responses: {
            200: ok('The organization', ref('Organization')),
            401: RESPONSES[401],
            404: RESPONSES[404],
          },
        },
        put: {
          tags: ['organizations'],
          summary: 'Rename an organization',
          ...secured,
          requestBody: body('OrganizationInput'),
          responses: {
            200: ok('Updated', ref('Organization')),
            400: RESPONSES[400],
            401: RESPONSES[401],
            404: RESPONSES[404],
            422: RESPONSES[422],
          },
        },
        delete: {
          tags: ['organizations'],
          summary: 'Delete an organization, its projects; members become org-less',
          ...secured,
          responses: { 204: { description: 'Deleted' }, 401: RESPONSES[401], 404: RESPONSES[404] },
        },
      },
      '/v1/organizations/{id}/members': {
        parameters: [idParam('id', 'Organization id')],
        post: {
          tags: ['organizations'],
          summary: 'Add an org-less user as member',
          ...secured,
          requestBody: body('MemberInput'),
          responses: {
            201: ok('The user, now a member', ref('User')),
            400: RESPONSES[400],
            401: RESPONSES[401],
            404: errorResponse('Organization or user not found'),
            409: errorResponse('The user already belongs to an organization'),
            422: RESPONSES[422],
          },
        },
      },
      '/v1/organizations/{orgId}/projects': {
        parameters: [idParam('orgId', 'Organization id')],
        get: {
          tags: ['projects'],
          summary: "An organization's projects, oldest first",
          ...secured,
          parameters: pageParams,
          responses: {
            200: ok('Projects', listOf('Project')),
            401: RESPONSES[401],
            404: RESPONSES[404],
            422: RESPONSES[422],
          },
        },
        post: {
          tags: ['projects'],
          summary: 'Create a project',
          ...secured,
          requestBody: body('ProjectInput'),
          responses: {
            201: ok('Created', ref('Project')),
            400: RESPONSES[400],
            401: RESPONSES[401],
            404: RESPONSES[404],
            409: errorResponse('A project of that name exists in the organization'),
            422: RESPONSES[422],
          },
        },
      },
      '/v1/projects/{id}': {
        parameters: [idParam('id', 'Project id')],
        get: {
          tags: ['projects'],
          summary: 'One project',
          ...secured,
          responses: {
            200: ok('The project', ref('Project')),
            401: RESPONSES[401],
            404: RESPONSES[404],
          },
        },
        put: {
          tags: ['projects'],
          summary: 'Update name and/or description',
          ...secured,
          requestBody: body('ProjectUpdate'),
          responses: {
            200: ok('Updated', ref('Project')),
            400: RESPONSES[400],
            401: RESPONSES[401],
            404: RESPONSES[404],
            409: errorResponse('A project of that name exists in the organization'),
            422: RESPONSES[422],
          },
        },
        delete: {
          tags: ['projects'],
          summary: 'Delete a project',
          ...secured,
          responses: { 204: { description: 'Deleted' }, 401: RESPONSES[401], 404: RESPONSES[404] },
        },
      },
    },
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (HS256, 1 hour)' },
      },
      schemas: {
        ...requestSchemas(),
        ...RESOURCE_SCHEMAS,
        Errors: {
          type: 'object',
          required: ['errors'],
          properties: {
            errors: {
              type: 'array',
              items: {
                type: 'object',
                required: ['message'],
                properties: {
                  message: { type: 'string' },
                  field: { type: 'string' },
                  rule: { type: 'string' },
                },
              },
            },
          },
        },
        Root: {
          type: 'object',
          required: ['message', 'version'],
          properties: { message: { const: 'Backend API' }, version: { type: 'string' } },
        },
        Health: {
          type: 'object',
          required: ['status'],
          properties: { status: { const: 'healthy' } },
        },
        Readiness: {
          type: 'object',
          required: ['status', 'db', 'redis'],
          properties: {
            status: { enum: ['ready', 'not_ready'] },
            db: { enum: ['ok', 'error'] },
            redis: { enum: ['ok', 'error'] },
          },
        },
        Message: {
          type: 'object',
          required: ['message'],
          properties: { message: { type: 'string' } },
        },
        PageMeta: PAGE_META_SCHEMA,
      },
    },
  }
}

function requestSchemas(): Record<keyof typeof REQUEST_SCHEMAS, Schema> {
  const entries = Object.entries(REQUEST_SCHEMAS).map(([name, v]) => [name, v.toJSONSchema()])
  return Object.fromEntries(entries)
}
