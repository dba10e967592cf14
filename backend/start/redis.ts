/*
 * Open the Redis connection at boot (web and test only), so the first
 * readiness probe and the first rate-limited request do not race it.
 *
 * An outage is logged once when it starts and once when it ends (warn/info),
 * instead of a "fatal" line on every reconnect attempt; /ready reports it.
 */
import logger from '@adonisjs/core/services/logger'
import redis from '@adonisjs/redis/services/main'

redis.doNotLogErrors()
const connection = redis.connection()

let down = false
connection.on('error', ({ error }) => {
  if (!down) {
    down = true
    logger.warn({ err: error }, 'Redis unreachable; reconnecting')
  }
})
connection.on('ready', () => {
  if (down) {
    down = false
    logger.info('Redis connection restored')
  }
})
