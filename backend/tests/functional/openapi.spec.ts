import { test } from '@japa/runner'
import router from '@adonisjs/core/services/router'
import testUtils from '@adonisjs/core/services/test_utils'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { guestSigninValidator } from '#validators/auth'
import { addMemberValidator } from '#validators/member'
import { organizationValidator } from '#validators/organization'
import { paginationValidator } from '#validators/pagination'
import { createProjectValidator, updateProjectValidator } from '#validators/project'
import { clientAddress, signIn, signInWithOrganization, unique } from '#tests/lib/api'

/** Which validator each route's body goes through (what the controllers call). */
const BODY_VALIDATORS: Record<string, { toJSONSchema(): object }> = {
  'post /v1/auth/guest-signin': guestSigninValidator,
  'post /v1/organizations': organizationValidator,
  'put /v1/organizations/{id}': organizationValidator,
  'post /v1/organizations/{id}/members': addMemberValidator,
  'post /v1/organizations/{orgId}/projects': createProjectValidator,
  'put /v1/projects/{id}': updateProjectValidator,
}
const LISTS = ['get /v1/organizations', 'get /v1/organizations/{orgId}/projects']

function operations(document: any) {
  return Object.entries<any>(document.paths).flatMap(([path, item]) =>
    Object.entries<any>(item)
      .filter(([method]) => method !== 'parameters')
      .map(([method, operation]) => ({ key: `${method} ${path}`, path, method, operation }))
  )
}

function resolve(document: any, schema: { $ref?: string }) {
  return schema.$ref ? document.components.schemas[schema.$ref.split('/').pop()!] : schema
}

/** Validates a real response against the schema the document gives its operation and status. */
function responseValidator(document: any) {
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats.default(ajv)
  ajv.addSchema(document, 'openapi')
  return (method: string, path: string, response: { status(): number; body(): unknown }) => {
    const pointer = ['paths', path, method, 'responses', String(response.status())]
      .concat(['content', 'application/json', 'schema'])
      .map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1'))
      .join('/')
    const validate = ajv.getSchema(`openapi#/${pointer}`)
    if (!validate) throw new Error(`${method} ${path} documents no ${response.status()} schema`)
    return validate(response.body()) ? [] : validate.errors!
  }
}

/** Adonis patterns (`/v1/projects/:id`) → OpenAPI paths (`/v1/projects/{id}`). */
function toOpenApiPath(pattern: string) {
  return pattern.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
}

test.group('OpenAPI document and docs page', () => {
  test('every registered route appears in /openapi.json', async ({ client, assert }) => {
    const response = await client.get('/openapi.json')
    response.assertStatus(200)
    const document = response.body()
    assert.match(document.openapi, /^3\.1\./)

    router.commit()
    const routes = Object.values(router.toJSON()).flat()
    assert.isAbove(routes.length, 15)
    for (const route of routes) {
      const path = toOpenApiPath(route.pattern)
      for (const method of route.methods.filter((m) => m !== 'HEAD')) {
        const operation = document.paths[path]?.[method.toLowerCase()]
        assert.exists(operation, `${method} ${path} is missing from the OpenAPI document`)
        assert.isNotEmpty(operation.responses, `${method} ${path} documents no response`)
      }
    }
  })

  test('every JSON request and response body has a schema, and every $ref resolves', async ({
    client,
    assert,
  }) => {
    const document = (await client.get('/openapi.json')).body()
    const schemas = document.components.schemas
    const refs = JSON.stringify(document).match(/#\/components\/schemas\/[A-Za-z]+/g) ?? []
    for (const ref of refs) {
      assert.property(schemas, ref.split('/').pop()!, `${ref} does not resolve`)
    }
    for (const [path, item] of Object.entries<any>(document.paths)) {
      for (const [method, operation] of Object.entries<any>(item)) {
        if (method === 'parameters') continue
        if (['post', 'put'].includes(method)) {
          assert.exists(
            operation.requestBody?.content?.['application/json']?.schema,
            `${method} ${path} has no request schema`
          )
        }
        for (const [status, response] of Object.entries<any>(operation.responses)) {
          if (status === '204' || path.startsWith('/docs')) continue
          assert.exists(
            response.content?.['application/json']?.schema,
            `${method} ${path} ${status} has no response schema`
          )
        }
      }
    }
  })

  test('the documented User, Organization and Project match real responses', async ({
    client,
    assert,
  }) => {
    const document = (await client.get('/openapi.json')).body()
    const schemas = document.components.schemas
    const owner = await signInWithOrganization(client)
    const project = (
      await client
        .post(`/v1/organizations/${owner.organization.id}/projects`)
        .headers(owner.auth)
        .json({ name: 'documented' })
    ).body()
    const me = (await client.get('/v1/auth/me').headers(owner.auth)).body()
    for (const [name, body] of [
      ['User', me],
      ['Organization', owner.organization],
      ['Project', project],
    ] as const) {
      assert.sameMembers(Object.keys(body), Object.keys(schemas[name].properties), name)
      assert.sameMembers(schemas[name].required, Object.keys(body), name)
    }
  })

  test("every request schema is its route validator's JSON Schema", async ({ client, assert }) => {
    const document = (await client.get('/openapi.json')).body()
    const withBody = operations(document).filter(({ operation }) => operation.requestBody)
    assert.sameMembers(
      withBody.map(({ key }) => key),
      Object.keys(BODY_VALIDATORS)
    )
    for (const { key, operation } of withBody) {
      const schema = operation.requestBody.content['application/json'].schema
      assert.deepEqual(resolve(document, schema), BODY_VALIDATORS[key].toJSONSchema(), key)
    }
    // The member request says what the API enforces: the same username rule as sign-in.
    assert.equal(
      document.components.schemas.MemberInput.properties.username.pattern,
      '^[A-Za-z0-9_-]+$'
    )

    const pageProperties = (paginationValidator.toJSONSchema() as any).properties
    for (const { key, operation } of operations(document)) {
      const query = (operation.parameters ?? []).filter((p: any) => p.in === 'query')
      assert.deepEqual(query.length > 0, LISTS.includes(key), `${key} query parameters`)
      for (const { name, schema } of query) {
        const validated = { ...schema }
        delete validated.default // documentation only: the validator leaves an absent value absent
        assert.deepEqual(validated, pageProperties[name], `${key} ?${name}`)
      }
    }
  })

  test('real responses match the schemas documented for their status', async ({
    client,
    assert,
  }) => {
    await testUtils.db().truncate()
    const document = (await client.get('/openapi.json')).body()
    const mismatches = responseValidator(document)
    const seen: string[] = []
    const check = (method: string, path: string, response: any) => {
      seen.push(`${method} ${path} ${response.status()}`)
      assert.deepEqual(mismatches(method, path, response), [], `${method} ${path}`)
    }

    for (const path of ['/', '/health', '/ready', '/v1/hello']) {
      check('get', path, await client.get(path))
    }
    const signin = await client
      .post('/v1/auth/guest-signin')
      .header('x-forwarded-for', clientAddress())
      .json({ username: unique('doc') })
    check('post', '/v1/auth/guest-signin', signin)
    const auth = { authorization: `Bearer ${signin.body().token}` }
    check('get', '/v1/auth/me', await client.get('/v1/auth/me').headers(auth))
    check('get', '/v1/auth/me', await client.get('/v1/auth/me'))
    check('get', '/v1/organizations', await client.get('/v1/organizations').headers(auth))

    const created = await client.post('/v1/organizations').headers(auth).json({ name: 'doc' })
    check('post', '/v1/organizations', created)
    const orgId = created.body().id
    const me = { authorization: `Bearer ${(await signIn(client)).token}` }
    const owner = await signInWithOrganization(client)
    const member = await client
      .post(`/v1/organizations/${owner.organization.id}/members`)
      .headers(owner.auth)
      .json({ username: (await client.get('/v1/auth/me').headers(me)).body().username })
    check('post', '/v1/organizations/{id}/members', member)
    check(
      'get',
      '/v1/organizations',
      await client.get('/v1/organizations').qs({ page: 0 }).headers(auth)
    )
    const path = '/v1/organizations/{id}'
    check('get', path, await client.get(`/v1/organizations/${orgId}`).headers(auth))
    check(
      'put',
      path,
      await client.put(`/v1/organizations/${orgId}`).headers(auth).json({ name: 'd2' })
    )
    check('get', path, await client.get(`/v1/organizations/${orgId + 999}`).headers(auth))

    const projects = `/v1/organizations/${orgId}/projects`
    const project = await client.post(projects).headers(auth).json({ name: 'p', description: null })
    check('post', '/v1/organizations/{orgId}/projects', project)
    check(
      'post',
      '/v1/organizations/{orgId}/projects',
      await client.post(projects).headers(auth).json({ name: 'p' })
    )
    check(
      'post',
      '/v1/organizations/{orgId}/projects',
      await client.post(projects).headers(auth).json({})
    )
    check('get', '/v1/organizations/{orgId}/projects', await client.get(projects).headers(auth))
    const one = `/v1/projects/${project.body().id}`
    check('get', '/v1/projects/{id}', await client.get(one).headers(auth))
    check(
      'put',
      '/v1/projects/{id}',
      await client.put(one).headers(auth).json({ description: 'x' })
    )

    // Every documented JSON success was produced and checked above.
    const successes = operations(document).flatMap(({ key, operation }) =>
      Object.entries<any>(operation.responses)
        .filter(([status, r]) => status.startsWith('2') && r.content?.['application/json'])
        .map(([status]) => `${key} ${status}`)
    )
    const skipped = ['get /openapi.json 200', 'get /ready 503']
    assert.sameMembers(
      successes.filter((s) => !skipped.includes(s)),
      [...new Set(seen)].filter((s) => / 2\d\d$/.test(s))
    )
    // …and the check notices a response that strays from its schema.
    const stray = { status: () => 200, body: () => ({ ...signin.body().user, createdAt: 5 }) }
    assert.isNotEmpty(mismatches('get', '/v1/auth/me', stray))
  })

  test('/docs is a self-contained HTML page that renders /openapi.json', async ({
    client,
    assert,
  }) => {
    const response = await client.get('/docs')
    response.assertStatus(200)
    assert.match(response.header('content-type') ?? '', /text\/html/)
    const html = response.text()
    assert.include(html, "fetch('/openapi.json')")
    // No CDN: the page must work without internet.
    assert.notMatch(html, /(src|href)=["']https?:/)
    assert.notMatch(html, /import .* from ['"]https?:/)
  })
})

test.group('/docs assets', () => {
  test('serves Swagger UI from the installed package, and nothing else', async ({
    client,
    assert,
  }) => {
    const css = await client.get('/docs/assets/swagger-ui.css')
    css.assertStatus(200)
    assert.match(css.header('content-type') ?? '', /text\/css/)
    const page = await client.get('/docs')
    assert.include(page.header('content-security-policy'), "default-src 'none'")
    for (const name of ['package.json', 'constructor', '..%2Fpackage.json', 'index.html']) {
      const response = await client.get(`/docs/assets/${name}`)
      response.assertStatus(404)
      assert.equal(response.body().errors[0].message, 'No such file', name)
    }
  })
})
