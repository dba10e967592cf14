import { test } from '@japa/runner'
import { readFileSync } from 'node:fs'
import app from '@adonisjs/core/services/app'
import { baseUrl } from '#tests/lib/api'

const version = JSON.parse(readFileSync(app.makePath('package.json'), 'utf8')).version

test.group('system routes', () => {
  test('GET / names the API and its package.json version', async ({ client }) => {
    const response = await client.get('/')
    response.assertStatus(200)
    response.assertBody({ message: 'Backend API', version })
  })

  test('GET /health answers healthy', async ({ client }) => {
    const response = await client.get('/health')
    response.assertStatus(200)
    response.assertBody({ status: 'healthy' })
  })

  test('GET /ready answers ready when PostgreSQL and Redis are up', async ({ client }) => {
    const response = await client.get('/ready')
    response.assertStatus(200)
    response.assertBody({ status: 'ready', db: 'ok', redis: 'ok' })
  })

  test('GET /v1/hello greets', async ({ client }) => {
    const response = await client.get('/v1/hello')
    response.assertStatus(200)
    response.assertBody({ message: 'Hello, World!' })
  })

  test('an unknown route is a JSON 404, not an HTML page', async ({ client, assert }) => {
    const response = await client.get('/no/such/route').header('accept', 'text/html')
    response.assertStatus(404)
    assert.match(response.header('content-type') ?? '', /application\/json/)
    response.assertBody({ errors: [{ message: 'Not found' }] })
  })

  test("the chart's must-fail helm test path is a 404 (so that test pod fails)", async ({
    client,
  }) => {
    const response = await client.get('/helm-test-must-fail')
    response.assertStatus(404)
  })

  test('an undecodable URL is a JSON 400', async ({ assert }) => {
    const response = await fetch(`${baseUrl()}/v1/projects/%ZZ`)
    assert.equal(response.status, 400)
    assert.match(response.headers.get('content-type') ?? '', /application\/json/)
    assert.deepEqual(await response.json(), { errors: [{ message: 'Malformed URL' }] })
  })
})
