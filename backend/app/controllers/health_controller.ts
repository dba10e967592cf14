import type { HttpContext } from '@adonisjs/core/http'
import { readiness } from '#services/readiness'

export default class HealthController {
  /** GET /ready: 503 naming the failing dependency. */
  async ready({ response }: HttpContext) {
    const state = await readiness()
    return response.status(state.status === 'ready' ? 200 : 503).send(state)
  }
}
