/*
 * HTTP server entrypoint (node bin/server.js in production, node ace serve in development).
 */
import { prettyPrintError } from '@adonisjs/core'
import { createIgnitor } from './ignitor.js'
import { createNodeServer } from '#services/node_server'

createIgnitor()
  .httpServer()
  .start(createNodeServer)
  .catch((error) => {
    process.exitCode = 1
    prettyPrintError(error)
  })
