import { test } from '@japa/runner'

test.group('health', () => {
  test('GET /health answers healthy', async ({ client }) => {
    const response = await client.get('/health')
    response.assertStatus(200)
    response.assertBody({ status: 'healthy' })
  })
})
