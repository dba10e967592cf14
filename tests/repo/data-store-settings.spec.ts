/*
 * The one place the machine's PostgreSQL and Redis settings are read:
 * scripts/lib/data-store-settings.ts.
 */
import { test } from '@japa/runner'
import { backendDataStoreEnv, dataStoreSettings } from '../../scripts/lib/data-store-settings.ts'

test.group('data store settings', () => {
  test('unset or empty variables mean 127.0.0.1:5432 as postgres and 127.0.0.1:6379', ({
    assert,
  }) => {
    const defaults = {
      postgres: { host: '127.0.0.1', port: 5432, user: 'postgres', password: undefined },
      redis: { host: '127.0.0.1', port: 6379, password: undefined },
    }
    assert.deepEqual(dataStoreSettings({}), defaults)
    assert.deepEqual(
      dataStoreSettings({ DB_HOST: '', DB_PORT: '', REDIS_PORT: '', DB_PASSWORD: '' }),
      defaults
    )
  })

  test('each variable overrides its setting, and the backend gets them back as variables', ({
    assert,
  }) => {
    const s = dataStoreSettings({
      DB_HOST: 'db.internal',
      DB_PORT: '5433',
      DB_USER: 'ark',
      DB_PASSWORD: 'example-pg',
      REDIS_HOST: 'cache.internal',
      REDIS_PORT: '6380',
      REDIS_PASSWORD: 'example-redis',
    })
    assert.deepEqual(s, {
      postgres: { host: 'db.internal', port: 5433, user: 'ark', password: 'example-pg' },
      redis: { host: 'cache.internal', port: 6380, password: 'example-redis' },
    })
    assert.deepEqual(backendDataStoreEnv(s, 'agent_ready_x'), {
      DB_HOST: 'db.internal',
      DB_PORT: '5433',
      DB_USER: 'ark',
      DB_PASSWORD: 'example-pg',
      DB_DATABASE: 'agent_ready_x',
      REDIS_HOST: 'cache.internal',
      REDIS_PORT: '6380',
      REDIS_PASSWORD: 'example-redis',
    })
    assert.equal(backendDataStoreEnv(dataStoreSettings({}), 'd').DB_PASSWORD, '')
  })

  test('a port that is no port number is an error naming the variable', ({ assert }) => {
    assert.throws(
      () => dataStoreSettings({ REDIS_PORT: 'notaport' }),
      'REDIS_PORT=notaport is not a port number (1-65535)'
    )
    assert.throws(() => dataStoreSettings({ DB_PORT: '70000' }), /^DB_PORT=70000 is not a port/)
    assert.throws(() => dataStoreSettings({ DB_PORT: '54.5' }), /^DB_PORT=54\.5 is not a port/)
  })
})
