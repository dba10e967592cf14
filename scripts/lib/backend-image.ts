/*
 * Which image the backend chart runs for a profile: helm/backend/values.yaml overlaid by the
 * profile's values file. With a digest (backend-ci promoted a signed image into values-kind.yaml)
 * it is repository:tag@digest, pulled from the registry; without one it is repository:tag, built
 * from the Dockerfile by cluster:up. Used by cluster:up (build or not) and by the conformance check
 * that verifies the running image's signature (and skips a local build).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'

type ImageValues = { repository?: string; tag?: string; digest?: string }

export type BackendImage =
  | { source: 'registry'; image: string; repository: string; tag: string; digest: string }
  | { source: 'local'; image: string; repository: string; tag: string }

export function backendImagePlan(
  defaults: { image: { repository: string; tag: string } },
  profileValues: { image?: ImageValues } | null
): BackendImage {
  const { repository, tag, digest } = {
    ...defaults.image,
    ...(profileValues?.image ?? {}),
  } as Required<ImageValues>
  return digest
    ? { source: 'registry', image: `${repository}:${tag}@${digest}`, repository, tag, digest }
    : { source: 'local', image: `${repository}:${tag}`, repository, tag }
}

/** The backend image of a checkout (root) for a profile's values file (repo-relative). */
export function readBackendImage(root: string, valuesFile: string): BackendImage {
  const read = (f: string) => parse(readFileSync(join(root, f), 'utf8'))
  return backendImagePlan(read('helm/backend/values.yaml'), read(valuesFile))
}

/**
 * The certificate identity backend-ci signs with, as a pattern for verify-image's
 * --certificate-identity-regexp: its workflow on main in the repository the image was pushed from
 * (ghcr.io/<owner>/<repo>/backend). GHCR names are lowercase while the identity keeps GitHub's
 * spelling, so owner/repo match case-insensitively. Undefined for any other registry path.
 */
export function signerIdentityPattern(repository: string): string | undefined {
  const m = /^ghcr\.io\/([^/]+)\/([^/]+)\/backend$/.exec(repository)
  if (!m) return undefined
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return `https://github\\.com/(?i:${esc(m[1])}/${esc(m[2])})/\\.github/workflows/backend-ci\\.yml@refs/heads/main`
}
