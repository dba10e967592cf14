import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig, destination, targets } from '@adonisjs/core/logger'
import type { InferLoggers } from '@adonisjs/core/types'

const loggerConfig = defineConfig({
  default: 'app',
  loggers: {
    app: {
      enabled: true,
      name: 'backend',
      level: env.get('LOG_LEVEL'),
      // JSON lines straight to stdout from the main thread: a transport target would run pino
      // in a worker thread of its own (another V8 heap, ~15 MB of RSS) for the few lines the
      // API logs. Pretty output (development) needs the transport.
      ...(app.inProduction || app.inTest
        ? { destination: destination(1) }
        : { transport: { targets: targets().push(targets.pretty()).toArray() } }),
    },
  },
})

declare module '@adonisjs/core/types' {
  export interface LoggersList extends InferLoggers<typeof loggerConfig> {}
}
export default loggerConfig
