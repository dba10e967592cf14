import env from '#start/env'
import { defineConfig } from '@adonisjs/redis'
import type { InferConnections } from '@adonisjs/redis/types'

const redisConfig = defineConfig({
  connection: 'main',
  connections: {
    main: {
      host: env.get('REDIS_HOST'),
      port: env.get('REDIS_PORT'),
      password: env.get('REDIS_PASSWORD') || undefined,
      // Its own database index (REDIS_DB): the backend's keys never mix with podinfo's (DB 0).
      db: env.get('REDIS_DB'),
      keyPrefix: '',
      // Reconnect forever with a short, capped delay so /ready recovers by itself.
      retryStrategy(times) {
        return Math.min(times * 100, 1000)
      },
      maxRetriesPerRequest: 1,
    },
  },
})

export default redisConfig

declare module '@adonisjs/redis/types' {
  export interface RedisConnections extends InferConnections<typeof redisConfig> {}
}
