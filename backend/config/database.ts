import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig } from '@adonisjs/lucid'

export default defineConfig({
  connection: 'postgres',
  connections: {
    postgres: {
      client: 'pg',
      connection: {
        host: env.get('DB_HOST'),
        port: env.get('DB_PORT'),
        user: env.get('DB_USER'),
        password: env.get('DB_PASSWORD') || undefined,
        database: env.get('DB_DATABASE'),
      },
      // Fail fast when PostgreSQL is unreachable instead of queueing for a minute.
      pool: { min: 0, max: 10, acquireTimeoutMillis: 5000 },
      migrations: {
        naturalSort: true,
        paths: [app.makePath('database/migrations')],
      },
    },
  },
})
