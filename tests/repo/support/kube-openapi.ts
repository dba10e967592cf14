/*
 * Strict Kubernetes validation from the OpenAPI v3 documents of the pinned Kubernetes release
 * (api/openapi-spec/v3 of k8s.io/kubernetes, via the Go module proxy / module cache — the module the
 * toolchain builds the local control plane from). Like `kubeconform -strict`, unknown fields are
 * errors: the API server would drop them silently (or, with field validation, refuse the object).
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Ajv, type ValidateFunction } from 'ajv'
import { readPins } from '../../../scripts/lib/toolchain.ts'
import type { Problem } from './checks.ts'
import type { Doc } from './helm.ts'

const run = promisify(execFile)
let specDir: Promise<string> | undefined

export function kubernetesOpenAPIDir(): Promise<string> {
  const version = readPins().tools.kubernetes.version
  specDir ??= run('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${version}`], {
    env: { ...process.env, GOWORK: 'off', GOFLAGS: '-mod=mod' },
    cwd: tmpdir(),
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    ({ stdout }) => join(JSON.parse(stdout).Dir as string, 'api', 'openapi-spec', 'v3'),
    (e) => {
      throw new Error(`go mod download of k8s.io/kubernetes ${version} failed (needs Go and the module proxy): ${(e as { stderr?: string }).stderr ?? e}`)
    },
  )
  return specDir
}

/** Objects that list their properties and preserve nothing else reject unknown fields. */
function strict(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strict)
  if (!schema || typeof schema !== 'object') return schema
  const out: any = {}
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, strict(s)])) : strict(v)
  if (out.properties && !out['x-kubernetes-preserve-unknown-fields'] && out.additionalProperties === undefined) out.additionalProperties = false
  return out
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
const loaded = new Set<string>()
const compiled = new Map<string, ValidateFunction | undefined>()

async function validatorFor(apiVersion: string, kind: string): Promise<ValidateFunction | undefined> {
  const key = `${apiVersion}/${kind}`
  if (compiled.has(key)) return compiled.get(key)
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion]
  const file = group ? `apis__${group}__${version}_openapi.json` : `api__${version}_openapi.json`
  const path = join(await kubernetesOpenAPIDir(), file)
  let validate: ValidateFunction | undefined
  if (existsSync(path)) {
    const doc = JSON.parse(readFileSync(path, 'utf8'))
    if (!loaded.has(file)) {
      ajv.addSchema({ ...doc, components: { schemas: strict(doc.components.schemas) } }, file)
      loaded.add(file)
    }
    const name = Object.entries(doc.components.schemas as Record<string, any>).find(([, s]) =>
      (s['x-kubernetes-group-version-kind'] ?? []).some((g: any) => g.group === group && g.version === version && g.kind === kind),
    )?.[0]
    if (name) validate = ajv.compile({ $ref: `${file}#/components/schemas/${name}` })
  }
  compiled.set(key, validate)
  return validate
}

/** Kubernetes objects (not Argo CD's or other CRDs') validated strictly; an unknown kind is a problem too. */
export async function kubeStrictProblems(docs: Doc[]): Promise<Problem[]> {
  const problems: Problem[] = []
  for (const { file, object } of docs) {
    const { apiVersion, kind } = object
    if (typeof apiVersion !== 'string' || /argoproj\.io|kustomize\.config|kind\.x-k8s\.io/.test(apiVersion)) continue
    const validate = await validatorFor(apiVersion, kind)
    const name = `${kind} ${object.metadata?.name}`
    if (!validate) {
      problems.push({ file, message: `${name}: Kubernetes ${readPins().tools.kubernetes.version} has no ${apiVersion} ${kind}` })
      continue
    }
    if (!(validate as (data: unknown) => boolean)(object)) {
      const errors = (validate.errors ?? []).map((e) =>
          e.keyword === 'additionalProperties' ? `${e.instancePath || '/'} has unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"` : `${e.instancePath} ${e.message}`,
        )
      problems.push({ file, message: `${name}: ${[...new Set(errors)].join('; ')} (Kubernetes ${readPins().tools.kubernetes.version} OpenAPI)` })
    }
  }
  return problems
}
