/*
 * Files of a pinned Go module (Kubernetes' OpenAPI documents, Argo CD's manifests and CRDs), taken
 * through the Go module proxy / module cache — the same modules the toolchain builds from — and the
 * one "strict" schema transform both validators use: the API server silently drops unknown fields,
 * these validators report them.
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
        throw new Error(`go mod download of ${key} failed (needs Go and the module proxy): ${(e as { stderr?: string }).stderr ?? e}`)
      },
    )
    dirs.set(key, dir)
  }
  return dir
}

/** Every object schema that lists its properties and does not preserve unknown fields gets additionalProperties: false. */
export function strictSchema(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strictSchema)
  if (!schema || typeof schema !== 'object') return schema
  const out: any = {}
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, strictSchema(s)])) : strictSchema(v)
  }
  if (out.properties && !out['x-kubernetes-preserve-unknown-fields'] && out.additionalProperties === undefined) out.additionalProperties = false
  return out
}
