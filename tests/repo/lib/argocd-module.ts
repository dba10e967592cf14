/*
 * The pinned Argo CD release's own files (install manifest, CRDs), taken from its Go module through
 * the Go module proxy / module cache — the same module the toolchain builds the local profile from.
 * And a strict validator built from its CRD schemas: unlike the API server (which silently prunes
 * unknown fields), it reports them, so a typo such as `syncOptons` fails offline.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv, type ValidateFunction } from 'ajv'
import { parse } from 'yaml'
import { readPins } from '../../../scripts/lib/toolchain.ts'
import type { Problem } from './checks.ts'
import type { Doc } from './helm.ts'
import { pinnedModuleDir, schemaErrors, strictSchema } from './pinned-module.ts'

/**
 * Directory of github.com/argoproj/argo-cd/v3 at the pinned version (downloaded once if needed).
 */
function argocdModuleDir(): Promise<string> {
  return pinnedModuleDir('github.com/argoproj/argo-cd/v3', readPins().tools.argocd.version)
}

let validators: Promise<Map<string, ValidateFunction>> | undefined

async function crdValidators(): Promise<Map<string, ValidateFunction>> {
  validators ??= argocdModuleDir().then((dir) => {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
    const map = new Map<string, ValidateFunction>()
    for (const file of ['application-crd.yaml', 'appproject-crd.yaml']) {
      const crd = parse(readFileSync(join(dir, 'manifests', 'crds', file), 'utf8'))
      for (const v of crd.spec.versions) {
        const schema = strictSchema(v.schema.openAPIV3Schema)
        // metadata is the API server's business (ObjectMeta), not the CRD's
        schema.properties.metadata = { type: 'object' }
        map.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, ajv.compile(schema))
      }
    }
    return map
  })
  return validators
}

/**
 * Argo CD objects validated strictly against the pinned release's CRDs. Other kinds are ignored.
 */
export async function crdProblems(docs: Doc[]): Promise<Problem[]> {
  const map = await crdValidators()
  const problems: Problem[] = []
  for (const { file, object } of docs) {
    const validate = map.get(`${object.apiVersion}/${object.kind}`)
    if (!validate) continue
    if (!(validate as (data: unknown) => boolean)(object)) {
      problems.push({
        file,
        message:
          `${object.kind} ${object.metadata?.name}: ${schemaErrors(validate)} ` +
          `(Argo CD ${readPins().tools.argocd.version} CRD)`,
      })
    }
  }
  return problems
}
