/*
 * A real OCI registry for the supply-chain suite: Debian's `docker-registry`
 * (CNCF distribution 2.8, no referrers API, so bundles are found through the
 * referrers tag schema) on a free 127.0.0.1 port, with its own temporary
 * config and storage, run by the repository's process supervisor. `stop()`
 * stops exactly that process and removes the storage.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  freePort,
  startProcess,
  stopProcess,
  waitForHttp,
} from '../../../scripts/lib/supervisor.ts'

const REGISTRY_BINARY = '/usr/bin/docker-registry'

export type LocalRegistry = { host: string; dir: string; stop: () => Promise<void> }

export async function startLocalRegistry(): Promise<LocalRegistry> {
  if (!existsSync(REGISTRY_BINARY)) {
    throw new Error(`${REGISTRY_BINARY} is missing: apt-get install -y docker-registry`)
  }
  const dir = await mkdtemp(join(tmpdir(), 'ark-registry-'))
  const host = `127.0.0.1:${await freePort()}`
  const config = join(dir, 'config.yml')
  await writeFile(
    config,
    [
      'version: 0.1',
      'log: { level: info, accesslog: { disabled: true } }',
      `storage: { filesystem: { rootdirectory: ${join(dir, 'storage')} ` +
        '}, delete: { enabled: true } }',
      `http: { addr: "${host}", headers: { X-Content-Type-Options: [nosniff] } }`,
      '',
    ].join('\n')
  )
  const proc = startProcess({
    name: 'docker-registry',
    cmd: REGISTRY_BINARY,
    args: ['serve', config],
    log: join(dir, 'registry.log'),
  })
  const stop = async () => {
    await stopProcess(proc)
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await waitForHttp(`http://${host}/v2/`, { timeoutMs: 20_000, proc })
  } catch (error) {
    await stop()
    throw error
  }
  return { host, dir, stop }
}
