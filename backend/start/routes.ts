/*
 * The API map. See ../shared/api-contract.md.
 */
import router from '@adonisjs/core/services/router'
import app from '@adonisjs/core/services/app'

router.get('/health', () => ({ status: 'healthy' }))
router.get('/v1/hello', () => ({ message: 'Hello, World!' }))
router.get('/', () => ({ message: 'Backend API', version: app.version?.toString() }))
