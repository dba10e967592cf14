/*
 * Open the Redis connection at boot (web and test only), so the first
 * readiness probe and the first rate-limited request do not race it.
 */
import redis from '@adonisjs/redis/services/main'

redis.connection()
