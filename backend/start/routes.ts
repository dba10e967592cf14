/*
 * The API map (contract: docs/api-contract.md; every route here is
 * described in app/openapi/document.ts, a test keeps the two in sync).
 */
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'
import { initializeAuth, requireAuth } from '#middleware/auth'
import { guestSigninThrottle } from '#start/limiter'
import { appVersion } from '#services/app_version'

const HealthController = () => import('#controllers/health_controller')
const DocsController = () => import('#controllers/docs_controller')
const AuthController = () => import('#controllers/auth_controller')
const OrganizationsController = () => import('#controllers/organizations_controller')
const MembersController = () => import('#controllers/members_controller')
const ProjectsController = () => import('#controllers/projects_controller')

/** Ids are digits only: /v1/projects/abc is simply "not found". */
const id = { match: /^[0-9]+$/, cast: (value: string) => Number(value) }

// Constant answers are inline: no controller to resolve on the hottest routes.
router.get('/', () => ({ message: 'Backend API', version: appVersion }))
router.get('/health', () => ({ status: 'healthy' }))
router.get('/v1/hello', () => ({ message: 'Hello, World!' }))

router.get('/ready', [HealthController, 'ready'])
router.get('/openapi.json', [DocsController, 'document'])
router.get('/docs', [DocsController, 'page'])
router.get('/docs/assets/:file', [DocsController, 'asset'])

/** What a route that reads a JSON body adds: the body parser (the other routes skip it). */
const body = middleware.bodyparser()

router
  .group(() => {
    router
      .post('/auth/guest-signin', [AuthController, 'guestSignin'])
      .use([body, initializeAuth, guestSigninThrottle])

    router
      .group(() => {
        router.get('/auth/me', [AuthController, 'me'])

        router.get('/organizations', [OrganizationsController, 'index'])
        router.post('/organizations', [OrganizationsController, 'store']).use(body)
        router.get('/organizations/:id', [OrganizationsController, 'show'])
        router.put('/organizations/:id', [OrganizationsController, 'update']).use(body)
        router.delete('/organizations/:id', [OrganizationsController, 'destroy'])
        router.post('/organizations/:id/members', [MembersController, 'store']).use(body)

        router.get('/organizations/:orgId/projects', [ProjectsController, 'index'])
        router.post('/organizations/:orgId/projects', [ProjectsController, 'store']).use(body)
        router.get('/projects/:id', [ProjectsController, 'show'])
        router.put('/projects/:id', [ProjectsController, 'update']).use(body)
        router.delete('/projects/:id', [ProjectsController, 'destroy'])
      })
      .use([initializeAuth, requireAuth])
  })
  .prefix('/v1')
  .where('id', id)
  .where('orgId', id)
