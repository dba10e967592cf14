#!/usr/bin/env node
/*
 * Root entrypoint: `node ace <command>` from the repository root hands over to
 * the backend workspace (backend/ace.js), on Node 24 even when the shell's
 * `node` is older, using the Node binary that `npm install` put in node_modules.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('./', import.meta.url))
const backend = fileURLToPath(new URL('./backend/', import.meta.url))
const bundledNode = fileURLToPath(new URL('./node_modules/node/bin/node', import.meta.url))

const major = Number(process.versions.node.split('.')[0])
const nodeBin = major >= 24 ? process.execPath : bundledNode
if (major < 24 && !existsSync(bundledNode)) {
  console.error(
    `Node ${process.versions.node} is too old (AdonisJS 7 needs 24) ` +
      `and ${bundledNode} is missing: run "npm install" in ${root} first.`
  )
  process.exit(1)
}

const child = spawn(nodeBin, ['ace.js', ...process.argv.slice(2)], {
  cwd: backend,
  stdio: 'inherit',
})
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal))
}
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 128 + 1 : 1)
})
