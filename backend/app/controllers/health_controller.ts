import type { HttpContext } from '@adonisjs/core/http'
import { appVersion } from '#services/app_version'
import { readiness } from '#services/readiness'

export default class HealthController {
  /** GET / */
  async root() {
    return { message: 'Backend API', version: appVersion }
  }

  /** GET /health: liveness only, touches no dependency. */
  async health() {
    return { status: 'healthy' }
  }

  /** GET /ready: 503 naming the failing dependency. */
  async ready({ response }: HttpContext) {
    const state = await readiness()
    return response.status(state.status === 'ready' ? 200 : 503).send(state)
  }

  /** GET /v1/hello */
  async hello() {
    return { message: 'Hello, World!' }
  }
}
