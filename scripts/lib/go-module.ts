/*
 * Files of a pinned Go module (Argo CD's install manifest and CRDs, Kubernetes' OpenAPI documents),
 * taken through the Go module proxy / module cache — the same modules the toolchain builds from.
 */
import { execFile } from 'node:child_process'
import { tmpdir } from 'node:os'
import { promisify } from 'node:util'

const run = promisify(execFile)
const dirs = new Map<string, Promise<string>>()

/** Directory of module@version in the module cache (downloaded once per process if needed). */
export function pinnedModuleDir(module: string, version: string): Promise<string> {
  const key = `${module}@${version}`
  let dir = dirs.get(key)
  if (!dir) {
    dir = run('go', ['mod', 'download', '-json', key], {
      env: { ...process.env, GOWORK: 'off', GOFLAGS: '-mod=mod' },
      cwd: tmpdir(),
      maxBuffer: 16 * 1024 * 1024,
    }).then(
      ({ stdout }) => JSON.parse(stdout).Dir as string,
      (e) => {
        throw new Error(
          `go mod download of ${key} failed (needs Go and the ` +
            `module proxy): ${(e as { stderr?: string }).stderr ?? e}`
        )
      }
    )
    dirs.set(key, dir)
  }
  return dir
}
