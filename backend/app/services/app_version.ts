import { readFileSync } from 'node:fs'
import app from '@adonisjs/core/services/app'

/** The backend package's version (package.json sits at the app root, also in build/). */
export const appVersion: string = JSON.parse(
  readFileSync(app.makePath('package.json'), 'utf8')
).version
