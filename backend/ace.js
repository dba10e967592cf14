/*
 * Ace entrypoint of the backend. TypeScript sources run through
 * @poppinss/ts-exec (the same hook the dev server and test runner use).
 */
import '@poppinss/ts-exec'

await import('./bin/console.js')
