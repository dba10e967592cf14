import { test } from '@japa/runner'
import router from '@adonisjs/core/services/router'

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
          if (status === '204' || path === '/docs') continue
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
    const { signInWithOrganization } = await import('#tests/support/api')
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
