/*
 * Strict Kubernetes validation from the OpenAPI v3 documents of the pinned Kubernetes release
 * (api/openapi-spec/v3 of k8s.io/kubernetes, via the Go module proxy / module cache — the module
 * the toolchain builds the local control plane from). Like `kubeconform -strict`, unknown fields
 * are errors: the API server would drop them silently
 * (or, with field validation, refuse the object).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv, type ValidateFunction } from 'ajv'
import { readPins } from '../../../scripts/lib/toolchain.ts'
import type { Problem } from './checks.ts'
import type { Doc } from './helm.ts'
import { pinnedModuleDir, schemaErrors, strictSchema } from './pinned-module.ts'

async function kubernetesOpenAPIDir(): Promise<string> {
  const dir = await pinnedModuleDir('k8s.io/kubernetes', readPins().tools.kubernetes.version)
  return join(dir, 'api', 'openapi-spec', 'v3')
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
const loaded = new Set<string>()
const compiled = new Map<string, ValidateFunction | undefined>()

async function validatorFor(
  apiVersion: string,
  kind: string
): Promise<ValidateFunction | undefined> {
  const key = `${apiVersion}/${kind}`
  if (compiled.has(key)) return compiled.get(key)
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion]
  const file = group ? `apis__${group}__${version}_openapi.json` : `api__${version}_openapi.json`
  const path = join(await kubernetesOpenAPIDir(), file)
  let validate: ValidateFunction | undefined
  if (existsSync(path)) {
    const doc = JSON.parse(readFileSync(path, 'utf8'))
    if (!loaded.has(file)) {
      ajv.addSchema({ ...doc, components: { schemas: strictSchema(doc.components.schemas) } }, file)
      loaded.add(file)
    }
    const name = Object.entries(doc.components.schemas as Record<string, any>).find(([, s]) =>
      (s['x-kubernetes-group-version-kind'] ?? []).some(
        (g: any) => g.group === group && g.version === version && g.kind === kind
      )
    )?.[0]
    if (name) validate = ajv.compile({ $ref: `${file}#/components/schemas/${name}` })
  }
  compiled.set(key, validate)
  return validate
}

/**
 * Kubernetes objects (not Argo CD's or other CRDs')
 * validated strictly; an unknown kind is a problem too.
 */
export async function kubeStrictProblems(docs: Doc[]): Promise<Problem[]> {
  const problems: Problem[] = []
  for (const { file, object } of docs) {
    const { apiVersion, kind } = object
    if (
      typeof apiVersion !== 'string' ||
      /argoproj\.io|kustomize\.config|kind\.x-k8s\.io/.test(apiVersion)
    )
      continue
    const validate = await validatorFor(apiVersion, kind)
    const name = `${kind} ${object.metadata?.name}`
    if (!validate) {
      problems.push({
        file,
        message:
          `${name}: Kubernetes ${readPins().tools.kubernetes.version} ` +
          `has no ${apiVersion} ${kind}`,
      })
      continue
    }
    if (!(validate as (data: unknown) => boolean)(object)) {
      problems.push({
        file,
        message:
          `${name}: ${schemaErrors(validate)} ` +
          `(Kubernetes ${readPins().tools.kubernetes.version} OpenAPI)`,
      })
    }
  }
  return problems
}
