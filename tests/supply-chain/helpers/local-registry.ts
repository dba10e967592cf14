/*
 * A real OCI registry for the supply-chain suite: Debian's `docker-registry`
 * (CNCF distribution 2.8, no referrers API, so bundles are found through the
 * referrers tag schema) on a free 127.0.0.1 port, with its own temporary
 * config and storage. `stop()` kills it and removes the storage.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const REGISTRY_BINARY = '/usr/bin/docker-registry'

export type LocalRegistry = { host: string; dir: string; stop: () => Promise<void> }

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export async function startLocalRegistry(): Promise<LocalRegistry> {
  if (!existsSync(REGISTRY_BINARY)) {
    throw new Error(`${REGISTRY_BINARY} is missing: apt-get install -y docker-registry`)
  }
  const dir = await mkdtemp(join(tmpdir(), 'ark-registry-'))
  const port = await freePort()
  const host = `127.0.0.1:${port}`
  await writeFile(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log: { level: info, accesslog: { disabled: true } }',
      `storage: { filesystem: { rootdirectory: ${join(dir, 'storage')} }, delete: { enabled: true } }`,
      `http: { addr: "${host}", headers: { X-Content-Type-Options: [nosniff] } }`,
      '',
    ].join('\n'),
  )
  const logFile = join(dir, 'registry.log')
  const out = openSync(logFile, 'a')
  const child: ChildProcess = spawn(REGISTRY_BINARY, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', out, out] })
  closeSync(out)
  let exited: string | undefined
  child.once('exit', (code, signal) => (exited = `exited with ${code ?? signal}`))

  const stop = async () => {
    if (!exited) {
      const gone = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await gone
    }
    await rm(dir, { recursive: true, force: true })
  }

  const deadline = Date.now() + 20_000
  for (;;) {
    if (exited) break
    const ready = await fetch(`http://${host}/v2/`).then((r) => r.status === 200, () => false)
    if (ready) return { host, dir, stop }
    if (Date.now() > deadline) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const log = readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n')
  await stop()
  throw new Error(`docker-registry on ${host} did not become ready (${exited ?? 'timeout after 20 s'}):\n${log}`)
}
