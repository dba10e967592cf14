/*
 * The OpenAPI 3.1 description of every route in start/routes.ts, written
 * from the API contract. A functional test fails when a registered route is
 * missing here.
 */
type Schema = Record<string, unknown>

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` })
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

const pageParams = [
  { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 } },
  {
    name: 'perPage',
    in: 'query',
    description: 'Page size; values above 100 are lowered to 100',
    schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  },
]

const listOf = (item: string): Schema => ({
  type: 'object',
  required: ['data', 'meta'],
  properties: { data: { type: 'array', items: ref(item) }, meta: ref('PageMeta') },
})

const secured = { security: [{ bearerAuth: [] }] }

const body = (schema: string) => ({ required: true, content: json(ref(schema)) })

const ok = (description: string, schema: Schema) => ({ description, content: json(schema) })

const timestamp = { type: 'string', format: 'date-time' }

export function openApiDocument(version: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Backend API',
      version,
      description:
        'Guest sign-in, organizations, members and projects. Every error body is `{"errors":[{message, field?, rule?}]}`. Anything outside your organization answers 404.',
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
          summary: 'HTML page rendering this document',
          responses: {
            200: {
              description: 'HTML page',
              content: { 'text/html': { schema: { type: 'string' } } },
            },
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
        GuestSignin: {
          type: 'object',
          required: ['username'],
          properties: {
            username: { type: 'string', minLength: 3, maxLength: 32, pattern: '^[A-Za-z0-9_-]+$' },
          },
        },
        Token: {
          type: 'object',
          required: ['token', 'tokenType', 'expiresIn', 'user'],
          properties: {
            token: { type: 'string', description: 'JWT: sub, org_id, iat, exp = iat + 3600' },
            tokenType: { const: 'Bearer' },
            expiresIn: { const: 3600 },
            user: ref('User'),
          },
        },
        User: {
          type: 'object',
          required: ['id', 'username', 'organizationId', 'isGuest', 'createdAt'],
          properties: {
            id: { type: 'integer' },
            username: { type: 'string' },
            organizationId: { type: ['integer', 'null'] },
            isGuest: { type: 'boolean' },
            createdAt: timestamp,
          },
        },
        PageMeta: {
          type: 'object',
          required: ['total', 'perPage', 'currentPage', 'lastPage'],
          properties: {
            total: { type: 'integer' },
            perPage: { type: 'integer' },
            currentPage: { type: 'integer' },
            lastPage: { type: 'integer' },
          },
        },
        OrganizationInput: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string', minLength: 1, maxLength: 100 } },
        },
        Organization: {
          type: 'object',
          required: ['id', 'name', 'createdAt', 'updatedAt'],
          properties: {
            id: { type: 'integer' },
            name: { type: 'string' },
            createdAt: timestamp,
            updatedAt: timestamp,
          },
        },
        MemberInput: {
          type: 'object',
          required: ['username'],
          properties: { username: { type: 'string', minLength: 3, maxLength: 32 } },
        },
        ProjectInput: {
          type: 'object',
          required: ['name'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 100 },
            description: { type: ['string', 'null'], maxLength: 1000 },
          },
        },
        ProjectUpdate: {
          type: 'object',
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 100 },
            description: { type: ['string', 'null'], maxLength: 1000 },
          },
        },
        Project: {
          type: 'object',
          required: ['id', 'organizationId', 'name', 'description', 'createdAt', 'updatedAt'],
          properties: {
            id: { type: 'integer' },
            organizationId: { type: 'integer' },
            name: { type: 'string' },
            description: { type: ['string', 'null'] },
            createdAt: timestamp,
            updatedAt: timestamp,
          },
        },
      },
    },
  }
}
